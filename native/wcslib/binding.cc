// A thin Node-API binding of wcslib: parse a FITS header into wcsprm structs, read their fields,
// and convert whole arrays of coordinates between pixel and world, off the event loop when asked.
// Field names are wcsprm's own (crpix, crval, cdelt, ctype, cunit, pc, lonpole, latpole, restfrq, ...).
#include <napi.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "errors.h"
#include "promise-worker.h"

extern "C" {
#include <wcslib/wcs.h>
#include <wcslib/wcserr.h>
#include <wcslib/wcsfix.h>
#include <wcslib/wcshdr.h>
}

namespace {

// wcsprm is not safe to use from two threads at once (wcsset writes into it): one mutex per struct.
struct Wcs {
  wcsprm prm;
  std::mutex lock;
  Wcs() {
    std::memset(&prm, 0, sizeof prm);
    prm.flag = -1;
  }
  ~Wcs() { wcsfree(&prm); }
};

std::string WcsMessage(const wcsprm& prm, int status) {
  if (prm.err && prm.err->msg[0]) return prm.err->msg;
  if (status > 0 && status <= WCSERR_BAD_WORLD) return wcs_errmsg[status];
  return "wcslib error " + std::to_string(status);
}

// wcslib's failures: Errors named WcsError, with wcslib's status.
Napi::Error WcsError(Napi::Env env, int status, const std::string& message) { return jovial::makeError(env, message, status, "WcsError"); }

Napi::Array Strings(Napi::Env env, const char (*values)[72], int n) {
  Napi::Array out = Napi::Array::New(env, n);
  for (int i = 0; i < n; i++) out.Set(i, Napi::String::New(env, values[i]));
  return out;
}

Napi::Float64Array Doubles(Napi::Env env, const double* values, size_t n) {
  Napi::Float64Array out = Napi::Float64Array::New(env, n);
  for (size_t i = 0; i < n; i++) out[i] = values[i];
  return out;
}

// The direction of a conversion: pixel (0-based) to world, or world to pixel (0-based).
enum class Direction { kPixelToWorld,
                       kWorldToPixel };

struct Conversion {
  std::vector<double> out;
  std::vector<int> stat;
  int status = 0;
  std::string message;
};

// Converts ncoord points of naxis coordinates; points wcslib cannot convert become NaN.
void Convert(Wcs& wcs, Direction direction, const std::vector<double>& in, Conversion& result) {
  std::lock_guard<std::mutex> guard(wcs.lock);
  wcsprm& prm = wcs.prm;
  const int naxis = prm.naxis;
  const int ncoord = static_cast<int>(in.size() / naxis);
  std::vector<double> input(in);
  std::vector<double> img(in.size()), phi(ncoord), theta(ncoord);
  result.out.assign(in.size(), 0.0);
  result.stat.assign(ncoord, 0);
  if (ncoord == 0) return;
  int status;
  if (direction == Direction::kPixelToWorld) {
    for (double& p : input) p += 1.0;  // wcslib counts pixels from 1, as FITS does
    status = wcsp2s(&prm, ncoord, naxis, input.data(), img.data(), phi.data(), theta.data(), result.out.data(), result.stat.data());
  } else {
    status = wcss2p(&prm, ncoord, naxis, input.data(), phi.data(), theta.data(), img.data(), result.out.data(), result.stat.data());
    for (double& p : result.out) p -= 1.0;
  }
  // Status 8 (pixel) or 9 (world) only flags some points as invalid: they become NaN, as in astropy.
  if (status == WCSERR_BAD_PIX || status == WCSERR_BAD_WORLD) {
    for (int i = 0; i < ncoord; i++) {
      if (result.stat[i]) {
        for (int k = 0; k < naxis; k++) result.out[static_cast<size_t>(i) * naxis + k] = std::numeric_limits<double>::quiet_NaN();
      }
    }
    status = 0;
  }
  if (status) {
    result.status = status;
    result.message = WcsMessage(prm, status);
  }
}

class ConvertWorker : public jovial::PromiseWorker {
 public:
  ConvertWorker(Napi::Env env, std::shared_ptr<Wcs> wcs, Direction direction, std::vector<double> in)
      : PromiseWorker(env, "jovial_wcslib.convert", std::string()), wcs_(std::move(wcs)), direction_(direction), in_(std::move(in)) {}

 protected:
  void Run() override {
    Convert(*wcs_, direction_, in_, result_);
    if (result_.status) throw jovial::Failure(result_.message, result_.status, "WcsError");
  }

  Napi::Value Result(Napi::Env env) override { return Doubles(env, result_.out.data(), result_.out.size()); }

 private:
  std::shared_ptr<Wcs> wcs_;
  Direction direction_;
  std::vector<double> in_;
  Conversion result_;
};

class WcsHandle : public Napi::ObjectWrap<WcsHandle> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "WcsHandle",
                       {InstanceMethod("info", &WcsHandle::Info),
                        InstanceMethod("convertSync", &WcsHandle::ConvertSync),
                        InstanceMethod("convert", &WcsHandle::ConvertAsync)});
  }

  explicit WcsHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<WcsHandle>(info) {
    if (!info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "WcsHandle is made by parseHeader(), not by new");
    wcs_ = *info[0].As<Napi::External<std::shared_ptr<Wcs>>>().Data();
  }

 private:
  std::shared_ptr<Wcs> wcs_;

  Napi::Value Info(const Napi::CallbackInfo& info) {
    return jovial::guarded(info.Env(), std::string(), [&] { return InfoOf(info.Env()); });
  }

  Napi::Value InfoOf(Napi::Env env) {
    std::lock_guard<std::mutex> guard(wcs_->lock);
    const wcsprm& p = wcs_->prm;
    const int n = p.naxis;
    Napi::Object o = Napi::Object::New(env);
    o.Set("naxis", n);
    o.Set("alt", Napi::String::New(env, p.alt));
    o.Set("wcsname", Napi::String::New(env, p.wcsname));
    o.Set("ctype", Strings(env, p.ctype, n));
    o.Set("cunit", Strings(env, p.cunit, n));
    o.Set("crpix", Doubles(env, p.crpix, n));
    o.Set("crval", Doubles(env, p.crval, n));
    o.Set("cdelt", Doubles(env, p.cdelt, n));
    o.Set("pc", Doubles(env, p.pc, static_cast<size_t>(n) * n));
    o.Set("lonpole", p.lonpole);
    o.Set("latpole", p.latpole);
    o.Set("restfrq", p.restfrq);
    o.Set("restwav", p.restwav);
    o.Set("specsys", Napi::String::New(env, p.specsys));
    o.Set("radesys", Napi::String::New(env, p.radesys));
    o.Set("equinox", p.equinox);
    o.Set("lng", p.lng);
    o.Set("lat", p.lat);
    o.Set("spec", p.spec);
    o.Set("cubeface", p.cubeface);
    return o;
  }

  // Validated input: a Float64Array whose length is a whole number of points.
  std::vector<double> Input(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsTypedArray() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      throw Napi::TypeError::New(env, "convert(direction, coordinates): coordinates must be a Float64Array");
    }
    Napi::Float64Array array = info[1].As<Napi::Float64Array>();
    const size_t naxis = static_cast<size_t>(wcs_->prm.naxis);
    if (naxis == 0 || array.ElementLength() % naxis != 0) {
      throw Napi::RangeError::New(env, "convert: " + std::to_string(array.ElementLength()) + " coordinates are not a whole number of points of " + std::to_string(naxis) + " axes");
    }
    if (array.ElementLength() / naxis > static_cast<size_t>(INT32_MAX)) throw Napi::RangeError::New(env, "convert: too many points for one call");
    return std::vector<double>(array.Data(), array.Data() + array.ElementLength());
  }

  Direction DirectionOf(const Napi::CallbackInfo& info) {
    const std::string d = info[0].As<Napi::String>().Utf8Value();
    if (d == "p2s") return Direction::kPixelToWorld;
    if (d == "s2p") return Direction::kWorldToPixel;
    throw Napi::TypeError::New(info.Env(), "convert: direction must be \"p2s\" or \"s2p\", got \"" + d + "\"");
  }

  Napi::Value ConvertSync(const Napi::CallbackInfo& info) {
    return jovial::guarded(info.Env(), std::string(), [&] {
      Direction direction = DirectionOf(info);
      Conversion result;
      Convert(*wcs_, direction, Input(info), result);
      if (result.status) throw WcsError(info.Env(), result.status, result.message);
      return Doubles(info.Env(), result.out.data(), result.out.size());
    });
  }

  Napi::Value ConvertAsync(const Napi::CallbackInfo& info) {
    return jovial::guarded(info.Env(), std::string(), [&]() -> Napi::Value {
      Direction direction = DirectionOf(info);
      return (new ConvertWorker(info.Env(), wcs_, direction, Input(info)))->Start();
    });
  }
};

struct AddonData {
  Napi::FunctionReference handle;
};

// parseHeader(header: string, naxis: number[]) → { wcs: WcsHandle[], rejected: number }
// The header is the cards' 80-character images, END included or not. `naxis` are the image's axis
// lengths, for wcsfix's cylindrical fix (as astropy passes them).
Napi::Value ParseHeader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
    throw Napi::TypeError::New(env, "parseHeader(header: string, naxis: number[])");
  }
  std::string header = info[0].As<Napi::String>().Utf8Value();
  if (header.size() % 80 != 0) throw Napi::RangeError::New(env, "parseHeader: the header must be whole 80-character cards, got " + std::to_string(header.size()) + " characters");
  Napi::Array axes = info[1].As<Napi::Array>();
  std::vector<int> naxis(axes.Length());
  for (uint32_t i = 0; i < axes.Length(); i++) naxis[i] = axes.Get(i).ToNumber().Int32Value();

  int nreject = 0, nwcs = 0;
  wcsprm* parsed = nullptr;
  std::vector<char> text(header.begin(), header.end());
  text.push_back('\0');
  const int status = wcspih(text.data(), static_cast<int>(header.size() / 80), WCSHDR_all, 0, &nreject, &nwcs, &parsed);
  if (status) throw WcsError(env, status, std::string("wcspih: ") + wcshdr_errmsg[status]);

  AddonData* data = env.GetInstanceData<AddonData>();
  Napi::Array handles = Napi::Array::New(env);
  for (int i = 0; i < nwcs; i++) {
    auto wcs = std::make_shared<Wcs>();
    wcs->prm.flag = -1;
    wcscopy(1, parsed + i, &wcs->prm);
    int stat[NWCSFIX];
    // The fixes astropy's WCS applies by default: dates, units, spectral and celestial axes, cylinders.
    wcsfix(0, naxis.size() == static_cast<size_t>(wcs->prm.naxis) ? naxis.data() : nullptr, &wcs->prm, stat);
    const int set = wcsset(&wcs->prm);
    if (set) {
      std::string message = WcsMessage(wcs->prm, set);
      wcsvfree(&nwcs, &parsed);
      throw WcsError(env, set, "wcsset: " + message);
    }
    auto* boxed = new std::shared_ptr<Wcs>(wcs);
    Napi::External<std::shared_ptr<Wcs>> external =
        Napi::External<std::shared_ptr<Wcs>>::New(env, boxed, [](Napi::Env, std::shared_ptr<Wcs>* p) { delete p; });
    handles.Set(static_cast<uint32_t>(i), data->handle.New({external}));
  }
  wcsvfree(&nwcs, &parsed);
  Napi::Object result = Napi::Object::New(env);
  result.Set("wcs", handles);
  result.Set("rejected", nreject);
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  wcserr_enable(1);
  auto* data = new AddonData();
  data->handle = Napi::Persistent(WcsHandle::Init(env));
  env.SetInstanceData(data);
  exports.Set("parseHeader", Napi::Function::New(env, jovial::guardedCallback<ParseHeader>));
  exports.Set("wcslibVersion", Napi::String::New(env, wcslib_version(nullptr)));
  return exports;
}

}  // namespace

NODE_API_MODULE(jovial_wcslib, Init)
