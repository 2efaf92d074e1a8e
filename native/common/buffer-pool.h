// The memory of the big arrays the addons hand to JavaScript (casacore's pixels and columns,
// smoothy's FITS data), from one pool per addon, all with one policy:
//
// - Kept for reuse. Fresh pages are slow on these VMs (a new 1 MiB plane costs more to fault in than
//   casacore takes to read it; a fresh gigabyte most of a second, and huge pages come only after
//   compaction), while memory touched before fills at memory speed; numpy gets the same from
//   malloc, which reuses a freed array at once. So a block whose ArrayBuffer JavaScript has let go
//   (and the GC collected) waits here for the next request, up to kIdleLimit of idle memory (room
//   for the 1 GiB cubes smoothy reads).
// - Matched by size: a request takes the smallest idle block of at least its size and at most twice
//   it. A plane gets the previous plane's block, a cube the previous cube's, and a TaQL selection read
//   after the whole column it comes from reuses the column's buffer.
// - Given back before growing: when no idle block fits a request of kMinPooled or more, every idle
//   block is freed before a new one is made; and a mapping (see below) that comes back while a new
//   mapping is being filled (a PooledBuffer, until handed to JavaScript) is unmapped rather than
//   kept. So idle mappings never sit beside memory being faulted in: the new mapping's faults get
//   the pages just freed, where pages the VM has not touched lately cost ~3 ms per MiB (a cube's
//   whole reads took 7x longer while the previous cube's block, which the GC returns a read late,
//   waited idle here). Small blocks are kept all the same: freeing them to malloc gains nothing.
// - Huge pages: blocks of kHugePage (2 MiB) and more are anonymous mappings with MADV_HUGEPAGE, as
//   numpy's are: one page fault per 2 MiB instead of per 4 KiB (about 3x faster on fresh memory).
//   Smaller blocks come from malloc; under kMinPooled they are never kept (malloc reuses those at
//   once anyway).
// - Not reported to V8 again: V8 already counts every ArrayBuffer's bytes, external ones included,
//   as external memory (its ArrayBufferSweeper does), which is what makes the GC collect them and
//   so refill the pool. Reporting them a second time (AdjustExternalMemory, as io and tables once
//   did) only made it collect more often: plane-by-plane reads ran 15% slower.
//
// One pool per addon (each .node file links its own copy of this code), shared by every thread and
// environment that loads the addon (the kernel's interpreter, pipeline threads, workers): locked.
#pragma once

#include <napi.h>

#include <cstddef>

namespace jovial {

constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kMinPooled = size_t(64) << 10;
constexpr size_t kIdleLimit = size_t(2) << 30;

struct Block {
  void* data = nullptr;
  size_t capacity = 0;  // what was allocated, at least what was asked for
  bool fresh = false;   // made for this request (its pages not faulted in yet), not reused
};

// At least `bytes` bytes (0 is taken as 1); throws OutOfMemory (errors.h).
Block takeBlock(size_t bytes);
void giveBlock(Block block);

// A block owned by C++ (a worker fills it): back to the pool when destroyed, unless handed to
// JavaScript first. A fresh mapping counts as being filled until then.
class PooledBuffer {
 public:
  PooledBuffer() = default;
  explicit PooledBuffer(size_t bytes) { allocate(bytes); }
  PooledBuffer(const PooledBuffer&) = delete;
  PooledBuffer& operator=(const PooledBuffer&) = delete;
  PooledBuffer(PooledBuffer&& o) noexcept : block_(o.block_), size_(o.size_), filling_(o.filling_) { o.block_ = Block(), o.size_ = 0, o.filling_ = false; }
  PooledBuffer& operator=(PooledBuffer&& o) noexcept;
  ~PooledBuffer() { reset(); }

  // Replaces the memory by a block of `bytes` (none for 0).
  void allocate(size_t bytes);
  void reset();

  void* data() const { return block_.data; }
  size_t size() const { return size_; }

  // An ArrayBuffer of size() bytes over the memory, which returns to the pool when it is collected
  // (a copy where external buffers are refused); this buffer is empty afterwards.
  Napi::ArrayBuffer toArrayBuffer(Napi::Env env);

 private:
  void filled();

  Block block_;
  size_t size_ = 0;
  bool filling_ = false;
};

}  // namespace jovial
