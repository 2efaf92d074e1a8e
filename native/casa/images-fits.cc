// imageToFits and imageFromFits: casacore's ImageFITSConverter, in a worker.
#include <casacore/casa/OS/File.h>
#include <casacore/images/Images/ImageExpr.h>
#include <casacore/images/Images/ImageFITSConverter.h>
#include <casacore/lattices/LEL/LatticeExpr.h>
#include <casacore/lattices/LEL/LatticeExprNode.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "images.h"
#include "promise-worker.h"

namespace jovialcasa {
namespace images {

namespace {

using jovial::PromiseWorker;

// imageToFits / imageFromFits in a worker, holding the image's (and the FITS file's) mutex.
class FitsWorker : public PromiseWorker {
 public:
  FitsWorker(Napi::Env env, bool toFits, std::string image, std::string fits, bool overwrite)
      : PromiseWorker(env, "jovial_casa.image", toFits ? image : fits), toFits_(toFits), image_(std::move(image)), fits_(std::move(fits)), overwrite_(overwrite) {}

 protected:
  void Run() override {
    // Both paths' mutexes, in address order (the order every holder of several uses, see common.h).
    std::mutex* a = &tableMutex(image_);
    std::mutex* b = &tableMutex(fits_);
    if (a == b) throw casacore::AipsError("the image and the FITS file are the same file");
    if (b < a) std::swap(a, b);
    std::lock_guard<std::mutex> first(*a), second(*b);
    casacore::String error;
    if (toFits_) {
      if (!overwrite_ && casacore::File(fits_).exists()) throw casacore::AipsError(fits_ + " already exists (pass overwrite: true to replace it)");
      std::unique_ptr<casacore::LatticeBase> lattice = openLattice(image_);
      bool ok = false;
      if (auto* f = dynamic_cast<ImageInterface<Float>*>(lattice.get())) {
        ok = casacore::ImageFITSConverter::ImageToFITS(error, *f, fits_, 64, true, true, -32, 1.0, -1.0, overwrite_, false, false);
      } else if (auto* d = dynamic_cast<ImageInterface<Double>*>(lattice.get())) {
        // FITS output is float32: the image through a float expression, with its metadata.
        casacore::LatticeExpr<Float> expr(casacore::toFloat(casacore::LatticeExprNode(*d)));
        casacore::ImageExpr<Float> f(expr, "float(" + image_ + ")");
        f.setUnits(d->units());
        f.setImageInfo(d->imageInfo());
        f.setMiscInfo(d->miscInfo());
        ok = casacore::ImageFITSConverter::ImageToFITS(error, f, fits_, 64, true, true, -32, 1.0, -1.0, overwrite_, false, false);
      } else {
        throw casacore::AipsError(std::string("only float and double images can be written to FITS (this one is ") + dataTypeName(lattice->dataType()) + ")");
      }
      if (!ok) throw casacore::AipsError("writing " + fits_ + ": " + std::string(error));
    } else {
      if (!casacore::File(fits_).exists()) throw casacore::AipsError("no such file or directory");
      // casacore's FITS reader prints its complaints about a non-FITS file to stderr: check first.
      {
        char head[9] = {0};
        std::FILE* fp = std::fopen(fits_.c_str(), "rb");
        if (!fp) throw casacore::AipsError(std::string("cannot open: ") + std::strerror(errno));
        size_t got = std::fread(head, 1, sizeof head, fp);
        std::fclose(fp);
        if (got < sizeof head || std::memcmp(head, "SIMPLE  =", sizeof head) != 0) throw casacore::AipsError("not a FITS file (no SIMPLE keyword at its start)");
      }
      if (!overwrite_ && casacore::File(image_).exists()) throw casacore::AipsError(image_ + " already exists (pass overwrite: true to replace it)");
      ImageInterface<Float>* out = nullptr;
      bool ok = casacore::ImageFITSConverter::FITSToImage(out, error, image_, fits_, 0, 0, 64, overwrite_, false);
      std::unique_ptr<ImageInterface<Float>> owned(out);
      if (!ok || !out) throw casacore::AipsError("converting to " + image_ + ": " + std::string(error));
    }
  }

 private:
  bool toFits_;
  std::string image_, fits_;
  bool overwrite_;
};

Napi::Value fitsConversion(const Napi::CallbackInfo& info, bool toFits) {
  Napi::Env env = info.Env();
  const char* fn = toFits ? "imageToFits" : "imageFromFits";
  auto deferredError = [&](const std::string& msg) { return rejected(env, Napi::Error::New(env, msg)); };
  std::string first, second;
  try {
    first = pathArg(info, 0, fn, toFits ? "image" : "fits");
    second = pathArg(info, 1, fn, toFits ? "fits" : "image");
  } catch (const Napi::Error& e) {
    return deferredError(e.Message());
  }
  bool overwrite = false;
  if (info.Length() > 2 && info[2].IsObject()) {
    Napi::Value o = info[2].As<Napi::Object>().Get("overwrite");
    overwrite = o.IsBoolean() && o.As<Napi::Boolean>().Value();
  }
  std::string image = toFits ? first : second, fits = toFits ? second : first;
  if (absoluteKey(image) == absoluteKey(fits)) return deferredError(first + ": the image and the FITS file are the same path");
  return (new FitsWorker(env, toFits, image, fits, overwrite))->Start();
}

}  // namespace

Napi::Value ImageToFits(const Napi::CallbackInfo& info) { return fitsConversion(info, true); }
Napi::Value ImageFromFits(const Napi::CallbackInfo& info) { return fitsConversion(info, false); }

}  // namespace images
}  // namespace jovialcasa
