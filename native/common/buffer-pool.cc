// The pool's one policy is described in buffer-pool.h.
#include "buffer-pool.h"

#include "errors.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

namespace jovial {

namespace {

struct Pool {
  std::mutex mutex;
  std::vector<Block> idle;
  size_t idleBytes = 0;
  int freshFills = 0;  // new mappings being filled (PooledBuffer between allocate and hand-off)
};

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed: finalizers may still give blocks back at exit
  return *p;
}

// A fresh anonymous mapping that asks for transparent huge pages, as numpy's big arrays do.
void* mapHuge(size_t capacity) {
  void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw OutOfMemory("cannot map " + std::to_string(capacity) + " bytes: " + std::strerror(errno));
  madvise(p, capacity, MADV_HUGEPAGE);
  return p;
}

void freeBlock(const Block& b) {
  if (!b.data) return;
  if (b.capacity >= kHugePage) {
    munmap(b.data, b.capacity);
  } else {
    std::free(b.data);
  }
}

}  // namespace

Block takeBlock(size_t bytes) {
  if (bytes == 0) bytes = 1;
  const size_t need = bytes;
  if (need >= kMinPooled) {
    Pool& p = pool();
    std::vector<Block> others;
    {
      std::lock_guard<std::mutex> lock(p.mutex);
      auto best = p.idle.end();
      for (auto it = p.idle.begin(); it != p.idle.end(); ++it) {
        if (it->capacity >= need && it->capacity / 2 <= need && (best == p.idle.end() || it->capacity < best->capacity)) best = it;
      }
      if (best != p.idle.end()) {
        Block b = *best;
        p.idle.erase(best);
        p.idleBytes -= b.capacity;
        return b;
      }
      others.swap(p.idle);
      p.idleBytes = 0;
    }
    for (const Block& o : others) freeBlock(o);
  }
  Block b;
  b.capacity = need;
  b.fresh = true;
  if (need >= kHugePage) {
    b.data = mapHuge(need);
  } else {
    b.data = std::malloc(need);
    if (!b.data) throw OutOfMemory("cannot allocate " + std::to_string(need) + " bytes");
  }
  return b;
}

void giveBlock(Block b) {
  if (!b.data) return;
  b.fresh = false;
  if (b.capacity >= kMinPooled) {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if ((b.capacity < kHugePage || p.freshFills == 0) && p.idleBytes + b.capacity <= kIdleLimit) {
      p.idle.push_back(b);
      p.idleBytes += b.capacity;
      return;
    }
  }
  freeBlock(b);
}

PooledBuffer& PooledBuffer::operator=(PooledBuffer&& o) noexcept {
  if (this != &o) {
    reset();
    block_ = o.block_, size_ = o.size_, filling_ = o.filling_;
    o.block_ = Block(), o.size_ = 0, o.filling_ = false;
  }
  return *this;
}

void PooledBuffer::allocate(size_t bytes) {
  reset();
  if (bytes == 0) return;
  block_ = takeBlock(bytes);
  size_ = bytes;
  if (block_.fresh && block_.capacity >= kHugePage) {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    p.freshFills++;
    filling_ = true;
  }
}

void PooledBuffer::filled() {
  if (!filling_) return;
  Pool& p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  p.freshFills--;
  filling_ = false;
}

void PooledBuffer::reset() {
  filled();
  giveBlock(block_);
  block_ = Block();
  size_ = 0;
}

namespace {

// The hint is the block's capacity (data is the block itself).
void finalizeBlock(napi_env, void* data, void* hint) { giveBlock(Block{data, reinterpret_cast<uintptr_t>(hint)}); }

}  // namespace

Napi::ArrayBuffer PooledBuffer::toArrayBuffer(Napi::Env env) {
  filled();
  if (size_ == 0) return Napi::ArrayBuffer::New(env, 0);
  napi_value value;
  napi_status status = napi_create_external_arraybuffer(env, block_.data, size_, finalizeBlock, reinterpret_cast<void*>(static_cast<uintptr_t>(block_.capacity)), &value);
  if (status != napi_ok) {
    // External buffers refused (a sandboxed V8): a copy, and the block goes back at once.
    Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, size_);
    std::memcpy(copy.Data(), block_.data, size_);
    reset();
    return copy;
  }
  block_ = Block();
  size_ = 0;
  return Napi::ArrayBuffer(env, value);
}

}  // namespace jovial
