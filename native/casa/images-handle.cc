// The ImageHandle class: an open image's metadata (from the cached state, or under the image's
// mutex), its pixel reads and writes and statistics (workers), pixel to world and back.
#include <casacore/images/Regions/RegionHandler.h>
#include <casacore/tables/LogTables/LoggerHolder.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "images.h"
#include "values.h"

namespace jovialcasa {
namespace images {

namespace {

Napi::Object beamJs(Napi::Env env, const casacore::GaussianBeam& b) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("major", b.getMajor("arcsec"));
  o.Set("minor", b.getMinor("arcsec"));
  o.Set("pa", b.getPA(false).getValue("deg"));  // as stored (CASA shows it so), not unwrapped to ±90
  return o;
}

class ImageHandle : public Napi::ObjectWrap<ImageHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ImageHandle",
                       {
                           InstanceMethod<&ImageHandle::Coordinates>("coordinates"),
                           InstanceMethod<&ImageHandle::Unit>("unit"),
                           InstanceMethod<&ImageHandle::Beams>("beams"),
                           InstanceMethod<&ImageHandle::MaskNames>("maskNames"),
                           InstanceMethod<&ImageHandle::DefaultMask>("defaultMask"),
                           InstanceMethod<&ImageHandle::MiscInfo>("miscInfo"),
                           InstanceMethod<&ImageHandle::History>("history"),
                           InstanceMethod<&ImageHandle::GetSlice>("getSlice"),
                           InstanceMethod<&ImageHandle::GetMask>("getMask"),
                           InstanceMethod<&ImageHandle::ToWorld>("toWorld"),
                           InstanceMethod<&ImageHandle::ToPixel>("toPixel"),
                           InstanceMethod<&ImageHandle::Statistics>("statistics"),
                           InstanceMethod<&ImageHandle::PutSlice>("putSlice"),
                           InstanceMethod<&ImageHandle::Close>("close"),
                       });
  }

  ImageHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ImageHandle>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsExternal()) throw Napi::TypeError::New(env, "ImageHandle: use openImage() or createImage()");
    state_ = *info[0].As<Napi::External<StatePtr>>().Data();
    const ImageState& s = *state_;
    Napi::Object self = info.This().As<Napi::Object>();
    Napi::Array shape = Napi::Array::New(env, s.shape.nelements());
    for (uInt i = 0; i < s.shape.nelements(); ++i) shape.Set(i, Napi::Number::New(env, double(s.shape[i])));
    self.DefineProperties({
        Napi::PropertyDescriptor::Value("path", Napi::String::New(env, s.path), napi_enumerable),
        Napi::PropertyDescriptor::Value("shape", shape, napi_enumerable),
        Napi::PropertyDescriptor::Value("dataType", Napi::String::New(env, dataTypeName(s.dataType)), napi_enumerable),
        Napi::PropertyDescriptor::Value("imageType", Napi::String::New(env, s.imageType), napi_enumerable),
    });
  }

 private:
  // The open state, or an Error naming the path when closed.
  StatePtr open(Napi::Env env) {
    if (!state_) throw Napi::Error::New(env, path_ + ": the image is closed");
    path_ = state_->path;
    return state_;
  }

  Napi::Value Coordinates(const Napi::CallbackInfo& info) {
    StatePtr s = open(info.Env());
    return withContext(info.Env(), s->path, [&] { return coordinatesJs(info.Env(), s->cs); });
  }

  Napi::Value Unit(const Napi::CallbackInfo& info) {
    StatePtr s = open(info.Env());
    return Napi::String::New(info.Env(), s->unit);
  }

  Napi::Value Beams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    return withContext(env, s->path, [&]() -> Napi::Value {
      Napi::Object o = Napi::Object::New(env);
      const casacore::ImageInfo& ii = s->info;
      o.Set("single", env.Null());
      o.Set("perPlane", env.Null());
      o.Set("nchan", 0);
      o.Set("nstokes", 0);
      if (ii.hasSingleBeam()) {
        o.Set("single", beamJs(env, ii.restoringBeam()));
        o.Set("nchan", 1);
        o.Set("nstokes", 1);
      } else if (ii.hasMultipleBeams()) {
        const casacore::ImageBeamSet& set = ii.getBeamSet();
        uInt nchan = set.nchan(), nstokes = set.nstokes();
        // Channel fastest: perPlane[stokes * nchan + chan].
        Napi::Array planes = Napi::Array::New(env, size_t(nchan) * nstokes);
        for (uInt p = 0; p < nstokes; ++p)
          for (uInt ch = 0; ch < nchan; ++ch) planes.Set(p * nchan + ch, beamJs(env, set.getBeam(Int(ch), Int(p))));
        o.Set("perPlane", planes);
        o.Set("nchan", nchan);
        o.Set("nstokes", nstokes);
      }
      return o;
    });
  }

  Napi::Value MaskNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    casacore::Vector<casacore::String> names = withContext(env, s->path, [&] {
      ImageLock lock(*s);
      return visitAny(*s, [&](auto& img) { return img.regionNames(casacore::RegionHandler::Masks); });
    });
    return stringsJs(env, names);
  }

  Napi::Value DefaultMask(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    std::string name = withContext(env, s->path, [&] {
      ImageLock lock(*s);
      return std::string(visitAny(*s, [&](auto& img) { return img.getDefaultMask(); }));
    });
    return Napi::String::New(env, name);
  }

  Napi::Value MiscInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    return withContext(env, s->path, [&] {
      casacore::TableRecord record;
      {
        ImageLock lock(*s);
        record = visitAny(*s, [&](auto& img) { return casacore::TableRecord(img.miscInfo()); });
      }
      return values::recordToJs(env, record);
    });
  }

  Napi::Value History(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    std::vector<std::string> lines = withContext(env, s->path, [&] {
      std::vector<std::string> out;
      ImageLock lock(*s);
      visitAny(*s, [&](auto& img) {
        const casacore::LoggerHolder& logger = img.logger();
        for (auto it = logger.begin(); it != logger.end(); ++it) out.push_back(it->message());
        return 0;
      });
      return out;
    });
    Napi::Array a = Napi::Array::New(env, lines.size());
    for (size_t i = 0; i < lines.size(); ++i) a.Set(uint32_t(i), lines[i]);
    return a;
  }

  // A promise rejected with an Error naming the path when the arguments are wrong.
  template <typename F>
  static Napi::Value promised(Napi::Env env, const std::string& context, F&& start) {
    return jovial::promised(env, context, std::forward<F>(start), JsErrors::kWithContext);
  }

  Napi::Value slice(const Napi::CallbackInfo& info, bool mask) {
    Napi::Env env = info.Env();
    if (!state_) return promised(env, path_, [&]() -> Napi::Value { throw Napi::Error::New(env, "the image is closed"); });
    StatePtr s = state_;
    return promised(env, s->path, [&]() -> Napi::Value {
      if (!mask && s->dataType != casacore::TpFloat && s->dataType != casacore::TpDouble) {
        throw Napi::Error::New(env, std::string("pixels of ") + dataTypeName(s->dataType) + " images cannot be read here (float and double only)");
      }
      Box box = parseBox(env, s->shape, info[0], info[1], info[2], true);
      return readSlice(env, s, std::move(box), mask);
    });
  }

  Napi::Value GetSlice(const Napi::CallbackInfo& info) { return slice(info, false); }
  Napi::Value GetMask(const Napi::CallbackInfo& info) { return slice(info, true); }

  // Per-axis Float64Arrays of n points through toWorldMany / toPixelMany; points with a non-finite
  // input or that casacore cannot convert come back as NaN.
  Napi::Value convert(const Napi::CallbackInfo& info, bool toWorld) {
    Napi::Env env = info.Env();
    StatePtr s = open(env);
    return withContext(env, s->path, [&]() -> Napi::Value {
      casacore::CoordinateSystem& cs = s->cs;
      uInt nIn = toWorld ? cs.nPixelAxes() : cs.nWorldAxes();
      uInt nOut = toWorld ? cs.nWorldAxes() : cs.nPixelAxes();
      const char* what = toWorld ? "toWorld: pixel" : "toPixel: world";
      if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of " + std::to_string(nIn) + " Float64Arrays");
      Napi::Array arr = info[0].As<Napi::Array>();
      if (arr.Length() != nIn) throw Napi::RangeError::New(env, std::string(what) + " has " + std::to_string(arr.Length()) + " axes; the image has " + std::to_string(nIn));
      std::vector<Napi::Float64Array> in;
      size_t n = 0;
      for (uInt a = 0; a < nIn; ++a) {
        Napi::Value v = arr.Get(a);
        if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
          throw Napi::TypeError::New(env, std::string(what) + "[" + std::to_string(a) + "] must be a Float64Array");
        }
        in.push_back(v.As<Napi::Float64Array>());
        if (a == 0) n = in[0].ElementLength();
        if (in[a].ElementLength() != n) throw Napi::RangeError::New(env, std::string(what) + " arrays differ in length");
      }
      std::vector<size_t> ok;
      ok.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        bool finite = true;
        for (uInt a = 0; a < nIn && finite; ++a) finite = std::isfinite(in[a][i]);
        if (finite) ok.push_back(i);
      }
      casacore::Matrix<Double> src(nIn, ok.size()), dst;
      for (size_t j = 0; j < ok.size(); ++j)
        for (uInt a = 0; a < nIn; ++a) src(a, j) = in[a][ok[j]];
      if (!ok.empty()) convertMany(cs, toWorld, src, dst);
      std::vector<Napi::Float64Array> out;
      Napi::Array result = Napi::Array::New(env, nOut);
      for (uInt a = 0; a < nOut; ++a) {
        out.push_back(Napi::Float64Array::New(env, n));
        double* p = out[a].Data();
        std::fill(p, p + n, kNaN);
        result.Set(a, out[a]);
      }
      for (size_t j = 0; j < ok.size(); ++j)
        for (uInt a = 0; a < nOut; ++a) out[a][ok[j]] = dst(a, j);
      return result;
    });
  }

  Napi::Value ToWorld(const Napi::CallbackInfo& info) { return convert(info, true); }
  Napi::Value ToPixel(const Napi::CallbackInfo& info) { return convert(info, false); }

  Napi::Value Statistics(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_) return promised(env, path_, [&]() -> Napi::Value { throw Napi::Error::New(env, "the image is closed"); });
    StatePtr s = state_;
    return promised(env, s->path, [&]() -> Napi::Value {
      if (s->dataType != casacore::TpFloat && s->dataType != casacore::TpDouble) {
        throw Napi::Error::New(env, std::string("statistics of ") + dataTypeName(s->dataType) + " images are not supported (float and double only)");
      }
      Box box = parseBox(env, s->shape, info[0], info[1], env.Undefined(), false);
      return images::statistics(env, s, std::move(box));
    });
  }

  // putSlice(data, blc, shape?): without a shape the data covers the box from blc to the image's end
  // on every axis.
  Napi::Value PutSlice(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_) return promised(env, path_, [&]() -> Napi::Value { throw Napi::Error::New(env, "the image is closed"); });
    StatePtr s = state_;
    return promised(env, s->path, [&]() -> Napi::Value {
      if (!s->writable) throw Napi::Error::New(env, "putSlice: the image is open read-only (putSlice writes images made by createImage)");
      if (s->dataType != casacore::TpFloat && s->dataType != casacore::TpDouble) throw Napi::Error::New(env, "putSlice: only float and double images are written here");
      if (info.Length() < 1 || !info[0].IsTypedArray()) throw Napi::TypeError::New(env, "putSlice: data must be a Float32Array or a Float64Array");
      Napi::TypedArray data = info[0].As<Napi::TypedArray>();
      if (data.TypedArrayType() != napi_float32_array && data.TypedArrayType() != napi_float64_array) {
        throw Napi::TypeError::New(env, "putSlice: data must be a Float32Array or a Float64Array");
      }
      size_t n = s->shape.nelements();
      auto blc = intVector(env, info.Length() > 1 ? info[1] : env.Undefined(), n, "putSlice: blc", false);
      auto shp = intVector(env, info.Length() > 2 ? info[2] : env.Undefined(), n, "putSlice: shape", true);
      IPosition where(n), shape(n);
      size_t count = 1;
      for (size_t i = 0; i < n; ++i) {
        if (blc[i] < 0 || blc[i] >= s->shape[i]) throw Napi::RangeError::New(env, "putSlice: blc " + positionText(blc) + " is outside the image's shape " + positionText(s->shape));
        where[i] = blc[i];
        shape[i] = shp.empty() ? s->shape[i] - blc[i] : shp[i];
      }
      for (size_t i = 0; i < n; ++i) {
        if (shape[i] < 1 || blc[i] + shape[i] > s->shape[i]) {
          throw Napi::RangeError::New(env, "putSlice: a slice of shape " + positionText(shape) + " at " + positionText(blc) + " does not fit in the image's shape " + positionText(s->shape));
        }
        count *= size_t(shape[i]);
      }
      if (count != data.ElementLength()) {
        throw Napi::RangeError::New(env, "putSlice: the data has " + std::to_string(data.ElementLength()) + " values; a slice of shape " + positionText(shape) + " at " +
                                             positionText(blc) + " needs " + std::to_string(count) + (shp.empty() ? " (pass its shape as the third argument)" : ""));
      }
      return writeSlice(env, s, data, where, shape);
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (state_) path_ = state_->path;
    state_.reset();  // workers in flight keep the image until they finish
    return info.Env().Undefined();
  }

  StatePtr state_;
  std::string path_;
};

// One constructor per environment (main thread and worker threads each load the addon).
std::mutex constructorsMutex;
std::map<napi_env, Napi::FunctionReference*> constructors;

}  // namespace

Napi::Object wrapState(Napi::Env env, StatePtr state) {
  Napi::FunctionReference* ctor = nullptr;
  {
    std::lock_guard<std::mutex> lock(constructorsMutex);
    auto it = constructors.find(env);
    if (it != constructors.end()) ctor = it->second;
  }
  if (!ctor) throw Napi::Error::New(env, "jovial_casa: image handles are not initialized in this environment");
  return ctor->New({Napi::External<StatePtr>::New(env, &state)});
}

void registerImageHandle(Napi::Env env) {
  Napi::Function ctor = ImageHandle::Define(env);
  auto* ref = new Napi::FunctionReference(Napi::Persistent(ctor));
  napi_env raw = env;
  {
    std::lock_guard<std::mutex> lock(constructorsMutex);
    constructors[raw] = ref;
  }
  env.AddCleanupHook([raw, ref]() {
    {
      std::lock_guard<std::mutex> lock(constructorsMutex);
      constructors.erase(raw);
    }
    delete ref;
  });
}

}  // namespace images
}  // namespace jovialcasa
