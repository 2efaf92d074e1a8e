// A thin Node-API binding of cfitsio, for what cfitsio does best: reading images stored
// tile-compressed (RICE_1, GZIP_1, GZIP_2, HCOMPRESS_1, PLIO_1, with quantisation and dithering).
// One call per job: readImage(path, hdu, first, last, type, out) fills `out` off the event loop.
// cfitsio here is built reentrant; each call opens its own fitsfile, so calls can run in parallel.
#include <napi.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "errors.h"
#include "promise-worker.h"

extern "C" {
#include <fitsio.h>
}

namespace {

struct PixelType {
  const char* name;
  int datatype;  // cfitsio's T* code
  napi_typedarray_type array;
  size_t bytes;
};

const PixelType kTypes[] = {
    {"uint8", TBYTE, napi_uint8_array, 1},
    {"int8", TSBYTE, napi_int8_array, 1},
    {"int16", TSHORT, napi_int16_array, 2},
    {"uint16", TUSHORT, napi_uint16_array, 2},
    {"int32", TINT, napi_int32_array, 4},
    {"uint32", TUINT, napi_uint32_array, 4},
    {"int64", TLONGLONG, napi_bigint64_array, 8},
    {"uint64", TULONGLONG, napi_biguint64_array, 8},
    {"float32", TFLOAT, napi_float32_array, 4},
    {"float64", TDOUBLE, napi_float64_array, 8},
};

const PixelType* TypeNamed(const std::string& name) {
  for (const auto& t : kTypes) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

// cfitsio's message for a status, with the detail it left on its error stack.
std::string FitsMessage(int status) {
  char text[FLEN_STATUS];
  fits_get_errstatus(status, text);
  std::string message = text;
  char detail[FLEN_ERRMSG];
  while (fits_read_errmsg(detail)) {
    if (detail[0]) message += std::string("; ") + detail;
  }
  return message;
}

// Closes the file however the read ends.
struct OpenFile {
  fitsfile* file = nullptr;
  ~OpenFile() {
    int ignored = 0;
    if (file) fits_close_file(file, &ignored);
  }
};

// cfitsio's failures carry its status (the Error's `status`); no context: smoothy names the file.
[[noreturn]] void Fail(int status, const char* doing) { throw jovial::Failure(std::string("cfitsio, ") + doing + ": " + FitsMessage(status), status); }

class ReadImageWorker : public jovial::PromiseWorker {
 public:
  ReadImageWorker(Napi::Env env, std::string path, int hdu, std::vector<long> first, std::vector<long> last,
                  const PixelType* type, Napi::TypedArray out)
      : PromiseWorker(env, "jovial_cfitsio.readImage", std::string()),
        path_(std::move(path)),
        hdu_(hdu),
        first_(std::move(first)),
        last_(std::move(last)),
        type_(type),
        out_(Napi::Persistent(out)),
        data_(static_cast<char*>(out.ArrayBuffer().Data()) + out.ByteOffset()),
        count_(out.ElementLength()) {}

 protected:
  void Run() override {
    OpenFile open;
    int status = 0;
    // diskfile: the path is a path, not cfitsio's extended filename syntax ("[1]", filters, URLs).
    if (fits_open_diskfile(&open.file, path_.c_str(), READONLY, &status)) {
      open.file = nullptr;
      Fail(status, "opening the file");
    }
    int kind = 0;
    if (fits_movabs_hdu(open.file, hdu_ + 1, &kind, &status)) Fail(status, "moving to the HDU");
    int naxis = 0;
    if (fits_get_img_dim(open.file, &naxis, &status)) Fail(status, "reading the image's dimensions");
    if (naxis != static_cast<int>(first_.size())) {
      throw std::runtime_error("the image has " + std::to_string(naxis) + " axes, the section " + std::to_string(first_.size()));
    }
    std::vector<long> inc(naxis, 1);
    size_t expected = 1;
    for (int i = 0; i < naxis; i++) expected *= static_cast<size_t>(last_[i] - first_[i] + 1);
    if (expected != count_) throw std::runtime_error("the output holds " + std::to_string(count_) + " values, the section " + std::to_string(expected));
    int anynull = 0;
    // Undefined pixels (BLANK, ZBLANK, NaN in quantised data) become NaN in floating-point output.
    double nan = std::numeric_limits<double>::quiet_NaN();
    float nanf = std::numeric_limits<float>::quiet_NaN();
    void* nulval = type_->datatype == TDOUBLE ? static_cast<void*>(&nan) : type_->datatype == TFLOAT ? static_cast<void*>(&nanf)
                                                                                                     : nullptr;
    if (fits_read_subset(open.file, type_->datatype, first_.data(), last_.data(), inc.data(), nulval, data_, &anynull, &status)) {
      Fail(status, "reading the pixels");
    }
  }

  Napi::Value Result(Napi::Env) override { return out_.Value(); }

 private:
  std::string path_;
  int hdu_;
  std::vector<long> first_, last_;
  const PixelType* type_;
  // Keeps the output alive while the worker writes into it. smoothy allocates `out` and hands it to
  // nobody before the promise settles, so it cannot be detached meanwhile.
  Napi::Reference<Napi::TypedArray> out_;
  char* data_;
  size_t count_;
};

std::vector<long> Longs(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsArray()) throw Napi::TypeError::New(env, std::string("readImage: ") + what + " must be an array of 1-based pixel indices");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<long> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    double v = array.Get(i).ToNumber().DoubleValue();
    if (!(v >= 1 && v <= 9.0e15) || std::floor(v) != v) throw Napi::RangeError::New(env, std::string("readImage: ") + what + "[" + std::to_string(i) + "] must be a whole number ≥ 1");
    out[i] = static_cast<long>(v);
  }
  return out;
}

// readImage(path, hdu (0-based), first[], last[] (1-based, inclusive, FITS axis order), type, out) → Promise<out>
Napi::Value ReadImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsString() || !info[1].IsNumber() || !info[4].IsString() || !info[5].IsTypedArray()) {
    throw Napi::TypeError::New(env, "readImage(path: string, hdu: number, first: number[], last: number[], type: string, out: TypedArray)");
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int hdu = info[1].As<Napi::Number>().Int32Value();
  if (hdu < 0) throw Napi::RangeError::New(env, "readImage: hdu must be ≥ 0");
  std::vector<long> first = Longs(env, info[2], "first");
  std::vector<long> last = Longs(env, info[3], "last");
  if (first.size() != last.size() || first.empty()) throw Napi::RangeError::New(env, "readImage: first and last must have one index per axis");
  for (size_t i = 0; i < first.size(); i++) {
    if (last[i] < first[i]) throw Napi::RangeError::New(env, "readImage: last[" + std::to_string(i) + "] is before first[" + std::to_string(i) + "]");
  }
  const PixelType* type = TypeNamed(info[4].As<Napi::String>().Utf8Value());
  if (!type) throw Napi::TypeError::New(env, "readImage: unknown pixel type " + info[4].As<Napi::String>().Utf8Value());
  Napi::TypedArray out = info[5].As<Napi::TypedArray>();
  if (out.TypedArrayType() != type->array) throw Napi::TypeError::New(env, std::string("readImage: out must be the typed array of ") + type->name);
  return (new ReadImageWorker(env, std::move(path), hdu, std::move(first), std::move(last), type, out))->Start();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  float version = 0;
  fits_get_version(&version);
  exports.Set("readImage", Napi::Function::New(env, jovial::guardedCallback<ReadImage>));
  exports.Set("cfitsioVersion", Napi::Number::New(env, version));
  return exports;
}

}  // namespace

NODE_API_MODULE(jovial_cfitsio, Init)
