// The open image's shared state (images.h): opening any image, reading the metadata it caches.
#include <casacore/casa/Arrays/ArrayMath.h>
#include <casacore/casa/OS/File.h>
#include <casacore/casa/OS/Path.h>
#include <casacore/coordinates/Coordinates/DirectionCoordinate.h>
#include <casacore/coordinates/Coordinates/SpectralCoordinate.h>
#include <casacore/images/Images/ImageOpener.h>

#include <cstdio>

#include "images.h"

namespace jovialcasa {
namespace images {

std::string absoluteKey(const std::string& path) {
  try {
    return casacore::Path(path).absoluteName();
  } catch (...) {
    return path;
  }
}

const char* dataTypeName(casacore::DataType t) {
  switch (t) {
    case casacore::TpFloat:
      return "float";
    case casacore::TpDouble:
      return "double";
    case casacore::TpComplex:
      return "complex";
    case casacore::TpDComplex:
      return "dcomplex";
    default:
      return "other";
  }
}

namespace {

// The coordinate system in the contract's units: directions in rad, spectral axes in Hz.
casacore::CoordinateSystem normalizedCoordinates(const casacore::CoordinateSystem& in) {
  casacore::CoordinateSystem cs(in);
  for (uInt i = 0; i < cs.nCoordinates(); ++i) {
    if (cs.type(i) == casacore::Coordinate::DIRECTION) {
      casacore::DirectionCoordinate dc(cs.directionCoordinate(i));
      casacore::Vector<casacore::String> units(2, "rad");
      if (!casacore::allEQ(dc.worldAxisUnits(), units)) {
        dc.setWorldAxisUnits(units);
        cs.replaceCoordinate(dc, i);
      }
    } else if (cs.type(i) == casacore::Coordinate::SPECTRAL) {
      casacore::SpectralCoordinate sc(cs.spectralCoordinate(i));
      casacore::Vector<casacore::String> units(1, "Hz");
      if (!casacore::allEQ(sc.worldAxisUnits(), units)) {
        sc.setWorldAxisUnits(units);
        cs.replaceCoordinate(sc, i);
      }
    }
  }
  return cs;
}

// Fills the cached metadata; the caller holds the mutex.
void readMetadata(ImageState& s) {
  s.shape = s.lattice->shape();
  s.imageType = s.lattice->imageType();
  visitAny(s, [&](auto& img) {
    s.cs = normalizedCoordinates(img.coordinates());
    s.info = img.imageInfo();
    s.unit = img.units().getName();
    return 0;
  });
}

}  // namespace

// Opens any image; the caller holds the mutex of `key`.
std::unique_ptr<casacore::LatticeBase> openLattice(const std::string& path) {
  casacore::File file(path);
  if (!file.exists()) throw casacore::AipsError("no such file or directory");
  std::unique_ptr<casacore::LatticeBase> lattice(casacore::ImageOpener::openImage(path));
  if (!lattice) {
    unsigned char magic[2] = {0, 0};
    if (std::FILE* fp = std::fopen(path.c_str(), "rb")) {
      if (std::fread(magic, 1, 2, fp) != 2) magic[0] = 0;
      std::fclose(fp);
    }
    if (magic[0] == 0x1f && magic[1] == 0x8b) throw casacore::AipsError("a gzip-compressed file: casacore opens uncompressed FITS only (gunzip it first)");
    throw casacore::AipsError("not an image casacore can open (neither a CASA image, FITS nor MIRIAD)");
  }
  return lattice;
}

// The open image's state; the caller holds `mutex`. On failure the half-made state is dropped here,
// still under the lock; on success the returned pointer's deleter takes the mutex.
StatePtr buildState(const std::string& path, const std::string& key, std::mutex* mutex, std::unique_ptr<casacore::LatticeBase> lattice, bool writable) {
  std::unique_ptr<ImageState> s(new ImageState);
  s->path = path;
  s->key = key;
  s->writable = writable;
  s->dataType = lattice->dataType();
  s->lattice = std::move(lattice);
  switch (s->dataType) {
    case casacore::TpFloat:
      s->f = dynamic_cast<ImageInterface<Float>*>(s->lattice.get());
      break;
    case casacore::TpDouble:
      s->d = dynamic_cast<ImageInterface<Double>*>(s->lattice.get());
      break;
    case casacore::TpComplex:
      s->c = dynamic_cast<ImageInterface<Complex>*>(s->lattice.get());
      break;
    case casacore::TpDComplex:
      s->dc = dynamic_cast<ImageInterface<DComplex>*>(s->lattice.get());
      break;
    default:
      break;
  }
  if (!s->f && !s->d && !s->c && !s->dc) {
    throw casacore::AipsError(std::string("not an image of float, double, complex or dcomplex pixels (") + dataTypeName(s->dataType) + ")");
  }
  readMetadata(*s);
  s->lattice->unlock();
  s->mutex = mutex;
  return StatePtr(s.release(), StateDeleter());
}

}  // namespace images
}  // namespace jovialcasa
