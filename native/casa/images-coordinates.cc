// Coordinate systems as JSON and back, and pixel to world (and back) for many points.
#include <casacore/casa/Arrays/ArrayMath.h>
#include <casacore/casa/Quanta/Quantum.h>
#include <casacore/casa/Quanta/Unit.h>
#include <casacore/coordinates/Coordinates/DirectionCoordinate.h>
#include <casacore/coordinates/Coordinates/LinearCoordinate.h>
#include <casacore/coordinates/Coordinates/ObsInfo.h>
#include <casacore/coordinates/Coordinates/Projection.h>
#include <casacore/coordinates/Coordinates/SpectralCoordinate.h>
#include <casacore/coordinates/Coordinates/StokesCoordinate.h>
#include <casacore/measures/Measures/MCEpoch.h>
#include <casacore/measures/Measures/MDirection.h>
#include <casacore/measures/Measures/MDoppler.h>
#include <casacore/measures/Measures/MEpoch.h>
#include <casacore/measures/Measures/MFrequency.h>
#include <casacore/measures/Measures/MeasConvert.h>
#include <casacore/measures/Measures/Stokes.h>

#include <cmath>

#include "images.h"

namespace jovialcasa {
namespace images {

// ---------------------------------------------------------------------------------------------
// Coordinates as JSON (main thread, from the cached system: no lock).

Napi::Array numbersJs(Napi::Env env, const casacore::Vector<Double>& v) {
  Napi::Array a = Napi::Array::New(env, v.nelements());
  for (uInt i = 0; i < v.nelements(); ++i) a.Set(i, Napi::Number::New(env, v[i]));
  return a;
}

Napi::Array intsJs(Napi::Env env, const casacore::Vector<Int>& v) {
  Napi::Array a = Napi::Array::New(env, v.nelements());
  for (uInt i = 0; i < v.nelements(); ++i) a.Set(i, Napi::Number::New(env, v[i]));
  return a;
}

Napi::Array stringsJs(Napi::Env env, const casacore::Vector<casacore::String>& v) {
  Napi::Array a = Napi::Array::New(env, v.nelements());
  for (uInt i = 0; i < v.nelements(); ++i) a.Set(i, Napi::String::New(env, v[i]));
  return a;
}

Napi::Object coordinatesJs(Napi::Env env, const casacore::CoordinateSystem& cs) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Array coords = Napi::Array::New(env, cs.nCoordinates());
  for (uInt i = 0; i < cs.nCoordinates(); ++i) {
    const casacore::Coordinate& c = cs.coordinate(i);
    Napi::Object o = Napi::Object::New(env);
    const char* type = "linear";
    switch (c.type()) {
      case casacore::Coordinate::DIRECTION:
        type = "direction";
        break;
      case casacore::Coordinate::SPECTRAL:
        type = "spectral";
        break;
      case casacore::Coordinate::STOKES:
        type = "stokes";
        break;
      case casacore::Coordinate::TABULAR:
        type = "tabular";
        break;
      default:
        type = "linear";
        break;
    }
    o.Set("type", type);
    o.Set("pixelAxes", intsJs(env, cs.pixelAxes(i)));
    o.Set("worldAxes", intsJs(env, cs.worldAxes(i)));
    o.Set("names", stringsJs(env, c.worldAxisNames()));
    o.Set("units", stringsJs(env, c.worldAxisUnits()));
    o.Set("referenceValue", numbersJs(env, c.referenceValue()));
    o.Set("referencePixel", numbersJs(env, c.referencePixel()));
    o.Set("increment", numbersJs(env, c.increment()));
    if (c.type() == casacore::Coordinate::DIRECTION) {
      const casacore::DirectionCoordinate& dc = cs.directionCoordinate(i);
      o.Set("frame", std::string(casacore::MDirection::showType(dc.directionType())));
      o.Set("projection", std::string(dc.projection().name()));
      // What a FITS header needs besides CDELT to give the same world coordinates: the projection's
      // parameters (FITS PV2_m, e.g. SIN's for an NCP image) and the rotation (casacore's linear
      // transform, which is FITS's PC transposed).
      o.Set("projectionParameters", numbersJs(env, dc.projection().parameters()));
      casacore::Matrix<casacore::Double> pc = dc.linearTransform();
      Napi::Array rows = Napi::Array::New(env, pc.nrow());
      for (uInt r = 0; r < pc.nrow(); ++r) {
        Napi::Array row = Napi::Array::New(env, pc.ncolumn());
        for (uInt k = 0; k < pc.ncolumn(); ++k) row.Set(k, pc(r, k));
        rows.Set(r, row);
      }
      o.Set("linearTransform", rows);
    } else if (c.type() == casacore::Coordinate::SPECTRAL) {
      const casacore::SpectralCoordinate& sc = cs.spectralCoordinate(i);
      o.Set("frame", std::string(casacore::MFrequency::showType(sc.frequencySystem())));
      o.Set("restFrequency", sc.restFrequency());
      o.Set("doppler", std::string(casacore::MDoppler::showType(sc.velocityDoppler())));
    } else if (c.type() == casacore::Coordinate::STOKES) {
      const casacore::StokesCoordinate& sc = cs.stokesCoordinate(i);
      casacore::Vector<Int> st = sc.stokes();
      Napi::Array names = Napi::Array::New(env, st.nelements());
      for (uInt k = 0; k < st.nelements(); ++k) names.Set(k, std::string(casacore::Stokes::name(casacore::Stokes::type(st[k]))));
      o.Set("stokes", names);
    }
    coords.Set(i, o);
  }
  out.Set("coordinates", coords);
  out.Set("worldAxisNames", stringsJs(env, cs.worldAxisNames()));
  out.Set("worldAxisUnits", stringsJs(env, cs.worldAxisUnits()));
  const casacore::ObsInfo& oi = cs.obsInfo();
  if (!oi.telescope().empty()) out.Set("telescope", std::string(oi.telescope()));
  if (!oi.observer().empty()) out.Set("observer", std::string(oi.observer()));
  casacore::MEpoch date = oi.obsDate();
  if (date.getValue().get() != 0) {
    double mjd = casacore::MEpoch::Convert(date, casacore::MEpoch::UTC)().getValue().get();
    out.Set("epoch", mjd);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Coordinates from JSON (createImage).

std::vector<double> doublesFrom(Napi::Env env, Napi::Object o, const char* key, const std::string& where, size_t n, bool required) {
  Napi::Value v = o.Get(key);
  std::vector<double> out;
  if (v.IsUndefined() || v.IsNull()) {
    if (required) throw Napi::TypeError::New(env, where + "." + key + " is missing");
    return out;
  }
  if (!v.IsArray()) throw Napi::TypeError::New(env, where + "." + key + " must be an array of numbers");
  Napi::Array a = v.As<Napi::Array>();
  if (n && a.Length() != n) throw Napi::RangeError::New(env, where + "." + key + " must have " + std::to_string(n) + " values, not " + std::to_string(a.Length()));
  for (uint32_t i = 0; i < a.Length(); ++i) {
    double x = numberAt(env, a.Get(i), where + "." + key + "[" + std::to_string(i) + "]");
    if (!std::isfinite(x)) throw Napi::RangeError::New(env, where + "." + key + "[" + std::to_string(i) + "] must be finite");
    out.push_back(x);
  }
  return out;
}

std::vector<std::string> stringsFrom(Napi::Env env, Napi::Object o, const char* key, const std::string& where) {
  Napi::Value v = o.Get(key);
  std::vector<std::string> out;
  if (v.IsUndefined() || v.IsNull()) return out;
  if (!v.IsArray()) throw Napi::TypeError::New(env, where + "." + key + " must be an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); ++i) {
    if (!a.Get(i).IsString()) throw Napi::TypeError::New(env, where + "." + key + "[" + std::to_string(i) + "] must be a string");
    out.push_back(a.Get(i).As<Napi::String>().Utf8Value());
  }
  return out;
}

std::string stringFrom(Napi::Object o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}

// value in `unit` converted to `target` (unit names as casacore knows them).
double inUnit(double value, const std::string& unit, const char* target) {
  if (unit.empty() || unit == target) return value;
  casacore::Quantity q(value, casacore::Unit(unit));
  if (!q.isConform(casacore::Unit(target))) throw casacore::AipsError("unit " + unit + " is not convertible to " + target);
  return q.getValue(casacore::Unit(target));
}

casacore::Matrix<Double> identity(size_t n) {
  casacore::Matrix<Double> m(n, n, 0.0);
  for (size_t i = 0; i < n; ++i) m(i, i) = 1.0;
  return m;
}

casacore::CoordinateSystem coordinatesFromJs(Napi::Env env, Napi::Object json, const IPosition& shape) {
  casacore::CoordinateSystem cs;
  Napi::Value list = json.Get("coordinates");
  if (!list.IsArray()) throw Napi::TypeError::New(env, "options.coordinates.coordinates must be an array of coordinates");
  Napi::Array coords = list.As<Napi::Array>();
  std::vector<std::vector<double>> pixelAxesOf, worldAxesOf;
  uInt nPixel = 0;
  for (uint32_t i = 0; i < coords.Length(); ++i) {
    std::string where = "coordinates[" + std::to_string(i) + "]";
    if (!coords.Get(i).IsObject()) throw Napi::TypeError::New(env, where + " must be an object");
    Napi::Object c = coords.Get(i).As<Napi::Object>();
    std::string type = stringFrom(c, "type", "");
    std::vector<std::string> units = stringsFrom(env, c, "units", where);
    auto unitAt = [&](size_t k) { return k < units.size() ? units[k] : std::string(); };
    if (type == "direction") {
      auto ref = doublesFrom(env, c, "referenceValue", where, 2, true);
      auto inc = doublesFrom(env, c, "increment", where, 2, true);
      auto pix = doublesFrom(env, c, "referencePixel", where, 2, true);
      casacore::MDirection::Types frame;
      std::string frameName = stringFrom(c, "frame", "J2000");
      if (!casacore::MDirection::getType(frame, frameName)) throw Napi::Error::New(env, where + ".frame: unknown direction frame " + frameName);
      std::string projName = stringFrom(c, "projection", "SIN");
      casacore::Projection::Type proj = casacore::Projection::type(projName);
      if (proj == casacore::Projection::N_PROJ) throw Napi::Error::New(env, where + ".projection: unknown projection " + projName);
      casacore::DirectionCoordinate dc(frame, casacore::Projection(proj), inUnit(ref[0], unitAt(0), "rad"), inUnit(ref[1], unitAt(1), "rad"),
                                       inUnit(inc[0], unitAt(0), "rad"), inUnit(inc[1], unitAt(1), "rad"), identity(2), pix[0], pix[1]);
      cs.addCoordinate(dc);
      nPixel += 2;
    } else if (type == "spectral") {
      auto ref = doublesFrom(env, c, "referenceValue", where, 1, true);
      auto inc = doublesFrom(env, c, "increment", where, 1, true);
      auto pix = doublesFrom(env, c, "referencePixel", where, 1, true);
      casacore::MFrequency::Types frame;
      std::string frameName = stringFrom(c, "frame", "LSRK");
      if (!casacore::MFrequency::getType(frame, frameName)) throw Napi::Error::New(env, where + ".frame: unknown frequency frame " + frameName);
      double rest = 0;
      Napi::Value rv = c.Get("restFrequency");
      if (rv.IsNumber()) rest = rv.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(rest) || rest < 0) throw Napi::RangeError::New(env, where + ".restFrequency must be a non-negative number of Hz");
      casacore::SpectralCoordinate sc(frame, inUnit(ref[0], unitAt(0), "Hz"), inUnit(inc[0], unitAt(0), "Hz"), pix[0], rest);
      std::string dopplerName = stringFrom(c, "doppler", "RADIO");
      casacore::MDoppler::Types doppler;
      if (!casacore::MDoppler::getType(doppler, dopplerName)) throw Napi::Error::New(env, where + ".doppler: unknown doppler convention " + dopplerName);
      sc.setVelocity("km/s", doppler);
      cs.addCoordinate(sc);
      nPixel += 1;
    } else if (type == "stokes") {
      std::vector<std::string> names = stringsFrom(env, c, "stokes", where);
      casacore::Vector<Int> which(names.size());
      for (size_t k = 0; k < names.size(); ++k) {
        casacore::Stokes::StokesTypes t = casacore::Stokes::type(names[k]);
        if (t == casacore::Stokes::Undefined) throw Napi::Error::New(env, where + ".stokes: unknown polarization " + names[k]);
        which[k] = Int(t);
      }
      if (names.empty()) {
        // From referenceValue/increment/referencePixel along the axis's length.
        auto ref = doublesFrom(env, c, "referenceValue", where, 1, true);
        auto inc = doublesFrom(env, c, "increment", where, 1, true);
        auto pix = doublesFrom(env, c, "referencePixel", where, 1, true);
        if (nPixel >= shape.nelements()) throw Napi::RangeError::New(env, "the coordinates have more pixel axes than the shape");
        which.resize(shape[nPixel]);
        for (Int k = 0; k < Int(which.nelements()); ++k) which[k] = Int(std::lround(ref[0] + (k - pix[0]) * inc[0]));
      }
      if (which.empty()) throw Napi::Error::New(env, where + ".stokes is empty");
      cs.addCoordinate(casacore::StokesCoordinate(which));
      nPixel += 1;
    } else if (type == "linear") {
      auto ref = doublesFrom(env, c, "referenceValue", where, 0, true);
      size_t n = ref.size();
      if (n == 0) throw Napi::Error::New(env, where + ".referenceValue is empty");
      auto inc = doublesFrom(env, c, "increment", where, n, true);
      auto pix = doublesFrom(env, c, "referencePixel", where, n, true);
      std::vector<std::string> names = stringsFrom(env, c, "names", where);
      casacore::Vector<casacore::String> nameV(n), unitV(n);
      for (size_t k = 0; k < n; ++k) {
        nameV[k] = k < names.size() ? names[k] : "Axis" + std::to_string(nPixel + k + 1);
        unitV[k] = unitAt(k);
      }
      casacore::Vector<Double> refV(n), incV(n), pixV(n);
      for (size_t k = 0; k < n; ++k) refV[k] = ref[k], incV[k] = inc[k], pixV[k] = pix[k];
      cs.addCoordinate(casacore::LinearCoordinate(nameV, unitV, refV, incV, identity(n), pixV));
      nPixel += uInt(n);
    } else {
      throw Napi::Error::New(env, where + ".type must be direction, spectral, stokes or linear (not \"" + type + "\")");
    }
    pixelAxesOf.push_back(doublesFrom(env, c, "pixelAxes", where, 0, false));
    worldAxesOf.push_back(doublesFrom(env, c, "worldAxes", where, 0, false));
  }
  if (nPixel != shape.nelements()) {
    throw Napi::RangeError::New(env, "the coordinates have " + std::to_string(nPixel) + " pixel axes, the shape " + std::to_string(shape.nelements()));
  }
  // The axes' order as pixelAxes/worldAxes give it (coordinates() of a FITS image often has the
  // Stokes coordinate before the spectral one, on pixel axes 3 and 2).
  casacore::Vector<Int> worldOrder(nPixel, -1), pixelOrder(nPixel, -1);
  bool given = true, natural = true;
  for (uInt i = 0; i < cs.nCoordinates() && given; ++i) {
    casacore::Vector<Int> w = cs.worldAxes(i), p = cs.pixelAxes(i);
    if (pixelAxesOf[i].empty() && worldAxesOf[i].empty()) {
      given = false;  // the axes in the coordinates' order
      break;
    }
    if (pixelAxesOf[i].size() != p.nelements() || worldAxesOf[i].size() != w.nelements()) {
      throw Napi::RangeError::New(env, "coordinates[" + std::to_string(i) + "]: pixelAxes/worldAxes do not match the coordinate's number of axes");
    }
    for (uInt k = 0; k < p.nelements(); ++k) {
      double np = pixelAxesOf[i][k], nw = worldAxesOf[i][k];
      if (np < 0 || np >= nPixel || np != std::floor(np) || nw < 0 || nw >= nPixel || nw != std::floor(nw)) {
        throw Napi::RangeError::New(env, "coordinates[" + std::to_string(i) + "]: pixelAxes/worldAxes must be axis numbers from 0 to " + std::to_string(nPixel - 1));
      }
      if (pixelOrder[Int(np)] != -1 || worldOrder[Int(nw)] != -1) throw Napi::RangeError::New(env, "coordinates[" + std::to_string(i) + "]: an axis is used twice in pixelAxes/worldAxes");
      pixelOrder[Int(np)] = p[k];
      worldOrder[Int(nw)] = w[k];
      if (Int(np) != p[k] || Int(nw) != w[k]) natural = false;
    }
  }
  if (given && !natural) {
    cs.transpose(worldOrder, pixelOrder);
  }
  // A Stokes axis must be as long as its list of polarizations.
  for (uInt i = 0; i < cs.nCoordinates(); ++i) {
    if (cs.type(i) != casacore::Coordinate::STOKES) continue;
    Int axis = cs.pixelAxes(i)[0];
    uInt n = cs.stokesCoordinate(i).stokes().nelements();
    if (IPosition::value_type(n) != shape[axis]) {
      throw Napi::RangeError::New(env, "the Stokes coordinate lists " + std::to_string(n) + " polarizations; axis " + std::to_string(axis) + " has " + std::to_string(shape[axis]) + " pixels");
    }
  }
  casacore::ObsInfo oi;
  if (json.Get("telescope").IsString()) oi.setTelescope(json.Get("telescope").As<Napi::String>().Utf8Value());
  if (json.Get("observer").IsString()) oi.setObserver(json.Get("observer").As<Napi::String>().Utf8Value());
  if (json.Get("epoch").IsNumber()) {
    double mjd = json.Get("epoch").As<Napi::Number>().DoubleValue();
    if (!std::isfinite(mjd)) throw Napi::RangeError::New(env, "coordinates.epoch must be a finite MJD");
    oi.setObsDate(casacore::MEpoch(casacore::Quantity(mjd, "d"), casacore::MEpoch::UTC));
  }
  cs.setObsInfo(oi);
  return cs;
}

// Pixel to world (or back) for many points, one column each, coordinate by coordinate: casacore's
// CoordinateSystem::toWorldMany drops the per-point failures, and DirectionCoordinate::toWorldMany
// leaves every point in degrees when one fails; here a coordinate whose batch fails is redone point
// by point, and a point it cannot convert gets NaN on that coordinate's axes only.
void convertMany(const casacore::CoordinateSystem& cs, bool toWorld, const casacore::Matrix<Double>& src, casacore::Matrix<Double>& dst) {
  const size_t n = src.ncolumn();
  const uInt nOut = toWorld ? cs.nWorldAxes() : cs.nPixelAxes();
  dst.resize(nOut, n);
  dst = kNaN;
  bool removed = false;
  for (uInt k = 0; k < cs.nCoordinates(); ++k) {
    removed = removed || casacore::anyLT(cs.pixelAxes(k), 0) || casacore::anyLT(cs.worldAxes(k), 0);
  }
  if (removed) {
    // Removed axes need the system's replacement values: its own per-point conversion.
    casacore::Vector<Double> in(src.nrow()), out;
    for (size_t j = 0; j < n; ++j) {
      in = src.column(j);
      bool ok = toWorld ? cs.toWorld(out, in) : cs.toPixel(out, in);
      if (ok) dst.column(j) = out;
    }
    return;
  }
  for (uInt k = 0; k < cs.nCoordinates(); ++k) {
    casacore::Vector<Int> inAxes = toWorld ? cs.pixelAxes(k) : cs.worldAxes(k);
    casacore::Vector<Int> outAxes = toWorld ? cs.worldAxes(k) : cs.pixelAxes(k);
    const casacore::Coordinate& c = cs.coordinate(k);
    casacore::Matrix<Double> in(inAxes.nelements(), n), out(outAxes.nelements(), n);
    for (uInt a = 0; a < inAxes.nelements(); ++a) in.row(a) = src.row(inAxes[a]);
    casacore::Vector<Bool> failures;
    bool ok = toWorld ? c.toWorldMany(out, in, failures) : c.toPixelMany(out, in, failures);
    if (!ok) {
      casacore::Vector<Double> v, r;
      for (size_t j = 0; j < n; ++j) {
        v = in.column(j);
        if (toWorld ? c.toWorld(r, v) : c.toPixel(r, v)) {
          out.column(j) = r;
        } else {
          out.column(j) = kNaN;
        }
      }
    }
    for (uInt a = 0; a < outAxes.nelements(); ++a) dst.row(outAxes[a]) = out.row(a);
  }
}

}  // namespace images
}  // namespace jovialcasa
