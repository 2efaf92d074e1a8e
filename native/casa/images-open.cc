// openImage and createImage, and the images' part of the addon's exports.
#include <casacore/casa/OS/File.h>
#include <casacore/casa/Quanta/Quantum.h>
#include <casacore/casa/Quanta/Unit.h>
#include <casacore/images/Images/PagedImage.h>
#include <casacore/lattices/Lattices/TiledShape.h>

#include <malloc.h>

#include <cmath>
#include <cstdlib>

#include "images.h"

namespace jovialcasa {
namespace images {

namespace {

Napi::Value OpenImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = pathArg(info, 0, "openImage", "path");
  std::string key = absoluteKey(path);
  std::mutex* mutex = &tableMutex(key);
  StatePtr state = withContext(env, path, [&] {
    std::lock_guard<std::mutex> lock(*mutex);
    return buildState(path, key, mutex, openLattice(path), false);
  });
  return wrapState(env, std::move(state));
}

IPosition shapeArg(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, path + ": shape must be an array of positive integers");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() == 0) throw Napi::RangeError::New(env, path + ": shape is empty");
  IPosition shape(a.Length());
  double total = 1;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value e = a.Get(i);
    double n = e.IsNumber() ? e.As<Napi::Number>().DoubleValue() : -1;
    if (!(n >= 1) || n != std::floor(n) || n > 2147483647.0) throw Napi::RangeError::New(env, path + ": shape[" + std::to_string(i) + "] must be a positive integer");
    shape[i] = static_cast<long long>(n);
    total *= n;
  }
  if (total > 9.0e15) throw Napi::RangeError::New(env, path + ": shape is too large");
  return shape;
}

Napi::Value CreateImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = pathArg(info, 0, "createImage", "path");
  IPosition shape = shapeArg(env, info.Length() > 1 ? info[1] : env.Undefined(), path);
  if (info.Length() < 3 || !info[2].IsObject()) throw Napi::TypeError::New(env, path + ": createImage needs options { coordinates, unit?, beam?, overwrite? }");
  Napi::Object opts = info[2].As<Napi::Object>();
  std::string key = absoluteKey(path);
  std::mutex* mutex = &tableMutex(key);
  casacore::CoordinateSystem cs;
  std::string unit;
  bool overwrite = false, hasBeam = false;
  double bmaj = 0, bmin = 0, bpa = 0;
  withContext(env, path, [&] {
    if (!opts.Get("coordinates").IsObject()) throw Napi::TypeError::New(env, "options.coordinates must be a coordinate system (as coordinates() gives one)");
    cs = coordinatesFromJs(env, opts.Get("coordinates").As<Napi::Object>(), shape);
    if (opts.Get("unit").IsString()) unit = opts.Get("unit").As<Napi::String>().Utf8Value();
    overwrite = opts.Get("overwrite").IsBoolean() && opts.Get("overwrite").As<Napi::Boolean>().Value();
    Napi::Value beam = opts.Get("beam");
    if (beam.IsObject()) {
      Napi::Object b = beam.As<Napi::Object>();
      bmaj = numberAt(env, b.Get("major"), "options.beam.major");
      bmin = numberAt(env, b.Get("minor"), "options.beam.minor");
      bpa = numberAt(env, b.Get("pa"), "options.beam.pa");
      if (!(bmaj > 0) || !(bmin > 0) || !std::isfinite(bmaj) || !std::isfinite(bmin) || !std::isfinite(bpa) || bmin > bmaj) {
        throw Napi::RangeError::New(env, "options.beam: major and minor must be positive arcsec with minor <= major, pa finite degrees");
      }
      hasBeam = true;
    } else if (!beam.IsUndefined() && !beam.IsNull()) {
      throw Napi::TypeError::New(env, "options.beam must be { major, minor, pa }");
    }
    if (!unit.empty()) {
      // casacore accepts unknown units silently; say so early instead.
      casacore::UnitVal check;
      if (!casacore::UnitVal::check(unit, check)) throw Napi::Error::New(env, "unknown unit " + unit);
    }
    return 0;
  });
  StatePtr state = withContext(env, path, [&] {
    std::lock_guard<std::mutex> lock(*mutex);
    casacore::File file(path);
    if (file.exists() && !overwrite) throw casacore::AipsError("already exists (pass overwrite: true to replace it)");
    std::unique_ptr<casacore::PagedImage<Float>> img(new casacore::PagedImage<Float>(casacore::TiledShape(shape), cs, path));
    if (!unit.empty()) img->setUnits(casacore::Unit(unit));
    if (hasBeam) {
      casacore::ImageInfo ii = img->imageInfo();
      ii.setRestoringBeam(casacore::GaussianBeam(casacore::Quantity(bmaj, "arcsec"), casacore::Quantity(bmin, "arcsec"), casacore::Quantity(bpa, "deg")));
      img->setImageInfo(ii);
    }
    img->flush();
    return buildState(path, key, mutex, std::move(img), true);
  });
  return wrapState(env, std::move(state));
}

}  // namespace

}  // namespace images

void initImages(Napi::Env env, Napi::Object exports) {
  // casacore's tiled storage allocates a buffer per tile it reads (128 kB for CASA's usual tiles,
  // converted from the file's big-endian form) and frees it when the tile leaves its cache. At glibc's
  // initial threshold of 128 kB each is a fresh mmap whose pages fault in again, which made reading a
  // cube plane by plane 2x slower than python-casacore (whose process has raised the threshold). The
  // threshold pinned at 4 MB (within the range glibc's own adjustment reaches) once per process,
  // unless MALLOC_MMAP_THRESHOLD_ in the environment says otherwise.
  static std::once_flag mallocTuned;
  std::call_once(mallocTuned, [] {
    if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 4 << 20);
  });
  images::registerImageHandle(env);
  exports.Set("openImage", Napi::Function::New(env, images::OpenImage, "openImage"));
  exports.Set("createImage", Napi::Function::New(env, images::CreateImage, "createImage"));
  exports.Set("imageToFits", Napi::Function::New(env, images::ImageToFits, "imageToFits"));
  exports.Set("imageFromFits", Napi::Function::New(env, images::ImageFromFits, "imageFromFits"));
}

}  // namespace jovialcasa
