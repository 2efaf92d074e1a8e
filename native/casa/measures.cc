// Measures: directions, frequencies, dopplers and epochs through casacore's MeasConvert, positioned by
// a MeasFrame built from { epoch, observatory | position, direction, directionFrame }.
// See casa-bridge/src/native.ts (CasaAddon, MeasureFrame). All synchronous: a conversion costs a few
// microseconds per value.
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/Quanta/MVDirection.h>
#include <casacore/casa/Quanta/MVEpoch.h>
#include <casacore/casa/Quanta/MVFrequency.h>
#include <casacore/casa/Quanta/MVPosition.h>
#include <casacore/casa/Quanta/Quantum.h>
#include <casacore/measures/Measures/MCDirection.h>
#include <casacore/measures/Measures/MCEpoch.h>
#include <casacore/measures/Measures/MCFrequency.h>
#include <casacore/measures/Measures/MCPosition.h>
#include <casacore/measures/Measures/MDirection.h>
#include <casacore/measures/Measures/MDoppler.h>
#include <casacore/measures/Measures/MEpoch.h>
#include <casacore/measures/Measures/MFrequency.h>
#include <casacore/measures/Measures/MPosition.h>
#include <casacore/measures/Measures/MeasConvert.h>
#include <casacore/measures/Measures/MeasFrame.h>
#include <casacore/measures/Measures/MeasTable.h>
#include <casacore/measures/Measures/VelocityMachine.h>

#include <cmath>
#include <limits>
#include <string>

#include "common.h"

namespace jovialcasa {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Napi::Float64Array float64Arg(const Napi::CallbackInfo& info, size_t i, const std::string& context, const char* what) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(info.Env(), context + ": " + what + " must be a Float64Array");
  }
  return info[i].As<Napi::Float64Array>();
}

std::string stringArg(const Napi::CallbackInfo& info, size_t i, const std::string& context, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) throw Napi::TypeError::New(info.Env(), context + ": " + what + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

double finiteNumber(Napi::Env env, const Napi::Value& v, const std::string& what) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, what + " must be a number");
  double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x)) throw Napi::RangeError::New(env, what + " must be finite");
  return x;
}

template <typename M>
typename M::Types measureType(Napi::Env env, const std::string& name, const std::string& context, const char* kind) {
  typename M::Types t;
  if (!M::getType(t, name)) throw Napi::Error::New(env, context + ": unknown " + kind + " " + name);
  return t;
}

// The frame from the optional MeasureFrame argument. A position's third value is the height in metres
// above the WGS84 ellipsoid; one above 6e6 m is taken as the distance from the Earth's centre (ITRF's
// spherical form, as casacore's own positions give it).
casacore::MeasFrame frameArg(const Napi::CallbackInfo& info, size_t i, const std::string& context) {
  Napi::Env env = info.Env();
  casacore::MeasFrame frame;
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return frame;
  if (!info[i].IsObject()) throw Napi::TypeError::New(env, context + ": frame must be { epoch?, observatory?, position?, direction?, directionFrame? }");
  Napi::Object o = info[i].As<Napi::Object>();
  Napi::Value epoch = o.Get("epoch");
  if (!epoch.IsUndefined() && !epoch.IsNull()) {
    double mjd = finiteNumber(env, epoch, context + ": frame.epoch");
    frame.set(casacore::MEpoch(casacore::MVEpoch(mjd), casacore::MEpoch::UTC));
  }
  Napi::Value observatory = o.Get("observatory");
  Napi::Value position = o.Get("position");
  bool hasObservatory = !observatory.IsUndefined() && !observatory.IsNull();
  bool hasPosition = !position.IsUndefined() && !position.IsNull();
  if (hasObservatory && hasPosition) throw Napi::Error::New(env, context + ": frame has both an observatory and a position; give one");
  if (hasObservatory) {
    if (!observatory.IsString()) throw Napi::TypeError::New(env, context + ": frame.observatory must be a string");
    std::string name = observatory.As<Napi::String>().Utf8Value();
    casacore::MPosition pos;
    if (!casacore::MeasTable::Observatory(pos, name)) {
      throw Napi::Error::New(env, context + ": unknown observatory " + name + " (observatories() lists the known ones)");
    }
    frame.set(pos);
  }
  if (hasPosition) {
    if (!position.IsArray() || position.As<Napi::Array>().Length() != 3) {
      throw Napi::TypeError::New(env, context + ": frame.position must be [longitude rad, latitude rad, height m]");
    }
    Napi::Array p = position.As<Napi::Array>();
    double lon = finiteNumber(env, p.Get(uint32_t(0)), context + ": frame.position[0]");
    double lat = finiteNumber(env, p.Get(uint32_t(1)), context + ": frame.position[1]");
    double h = finiteNumber(env, p.Get(uint32_t(2)), context + ": frame.position[2]");
    if (std::fabs(lat) > M_PI / 2) throw Napi::RangeError::New(env, context + ": frame.position latitude is beyond ±π/2");
    casacore::MVPosition mv(casacore::Quantity(h, "m"), casacore::Quantity(lon, "rad"), casacore::Quantity(lat, "rad"));
    if (h > 6.0e6) {
      frame.set(casacore::MPosition(mv, casacore::MPosition::ITRF));
    } else {
      frame.set(casacore::MPosition(mv, casacore::MPosition::WGS84));
    }
  }
  Napi::Value direction = o.Get("direction");
  if (!direction.IsUndefined() && !direction.IsNull()) {
    if (!direction.IsArray() || direction.As<Napi::Array>().Length() != 2) {
      throw Napi::TypeError::New(env, context + ": frame.direction must be [longitude rad, latitude rad]");
    }
    Napi::Array d = direction.As<Napi::Array>();
    double lon = finiteNumber(env, d.Get(uint32_t(0)), context + ": frame.direction[0]");
    double lat = finiteNumber(env, d.Get(uint32_t(1)), context + ": frame.direction[1]");
    std::string dirFrame = o.Get("directionFrame").IsString() ? o.Get("directionFrame").As<Napi::String>().Utf8Value() : "J2000";
    auto type = measureType<casacore::MDirection>(env, dirFrame, context + ": frame.directionFrame", "direction frame");
    frame.set(casacore::MDirection(casacore::MVDirection(lon, lat), type));
  }
  return frame;
}

Napi::Value ConvertDirection(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string context = "convertDirection";
  Napi::Float64Array lon = float64Arg(info, 0, context, "lon");
  Napi::Float64Array lat = float64Arg(info, 1, context, "lat");
  std::string from = stringArg(info, 2, context, "from");
  std::string to = stringArg(info, 3, context, "to");
  context += " " + from + " -> " + to;
  if (lon.ElementLength() != lat.ElementLength()) throw Napi::RangeError::New(env, context + ": lon and lat differ in length");
  size_t n = lon.ElementLength();
  auto fromType = measureType<casacore::MDirection>(env, from, context, "direction frame");
  auto toType = measureType<casacore::MDirection>(env, to, context, "direction frame");
  casacore::MeasFrame frame = frameArg(info, 4, context);
  Napi::Float64Array outLon = Napi::Float64Array::New(env, n), outLat = Napi::Float64Array::New(env, n);
  guarded(env, context, [&] {
    casacore::MDirection::Convert conv(casacore::MDirection::Ref(fromType, frame), casacore::MDirection::Ref(toType, frame));
    for (size_t i = 0; i < n; ++i) {
      double a = lon[i], b = lat[i];
      if (!std::isfinite(a) || !std::isfinite(b) || std::fabs(b) > M_PI / 2) {
        outLon[i] = outLat[i] = kNaN;
        continue;
      }
      casacore::MVDirection v = conv(casacore::MVDirection(a, b)).getValue();
      outLon[i] = v.getLong();
      outLat[i] = v.getLat();
    }
    return 0;
  });
  Napi::Object out = Napi::Object::New(env);
  out.Set("lon", outLon);
  out.Set("lat", outLat);
  return out;
}

Napi::Value ConvertFrequency(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string context = "convertFrequency";
  Napi::Float64Array hz = float64Arg(info, 0, context, "hz");
  std::string from = stringArg(info, 1, context, "from");
  std::string to = stringArg(info, 2, context, "to");
  context += " " + from + " -> " + to;
  auto fromType = measureType<casacore::MFrequency>(env, from, context, "frequency frame");
  auto toType = measureType<casacore::MFrequency>(env, to, context, "frequency frame");
  casacore::MeasFrame frame = frameArg(info, 3, context);
  size_t n = hz.ElementLength();
  Napi::Float64Array out = Napi::Float64Array::New(env, n);
  guarded(env, context, [&] {
    casacore::MFrequency::Convert conv(casacore::MFrequency::Ref(fromType, frame), casacore::MFrequency::Ref(toType, frame));
    for (size_t i = 0; i < n; ++i) {
      double f = hz[i];
      out[i] = std::isfinite(f) ? conv(casacore::MVFrequency(f)).getValue().getValue() : kNaN;
    }
    return 0;
  });
  return out;
}

casacore::MDoppler::Types dopplerArg(const Napi::CallbackInfo& info, size_t i, const std::string& context) {
  std::string name = stringArg(info, i, context, "doppler");
  return measureType<casacore::MDoppler>(info.Env(), name, context, "doppler convention (RADIO, OPTICAL, Z, RELATIVISTIC)");
}

Napi::Value dopplerConversion(const Napi::CallbackInfo& info, bool toVelocity) {
  Napi::Env env = info.Env();
  std::string context = toVelocity ? "frequencyToVelocity" : "velocityToFrequency";
  Napi::Float64Array in = float64Arg(info, 0, context, toVelocity ? "hz" : "ms");
  if (info.Length() < 2 || !info[1].IsNumber()) throw Napi::TypeError::New(env, context + ": restHz must be a number");
  double rest = info[1].As<Napi::Number>().DoubleValue();
  if (!(rest > 0) || !std::isfinite(rest)) throw Napi::RangeError::New(env, context + ": restHz must be a positive number of Hz");
  casacore::MDoppler::Types doppler = dopplerArg(info, 2, context);
  size_t n = in.ElementLength();
  Napi::Float64Array out = Napi::Float64Array::New(env, n);
  guarded(env, context, [&] {
    casacore::VelocityMachine vm(casacore::MFrequency::Ref(casacore::MFrequency::LSRK), casacore::Unit("Hz"), casacore::MVFrequency(rest),
                                 casacore::MDoppler::Ref(doppler), casacore::Unit("m/s"));
    for (size_t i = 0; i < n; ++i) {
      double x = in[i];
      if (!std::isfinite(x)) {
        out[i] = kNaN;
        continue;
      }
      out[i] = toVelocity ? vm.makeVelocity(x).getValue() : vm.makeFrequency(x).getValue();
    }
    return 0;
  });
  return out;
}

Napi::Value FrequencyToVelocity(const Napi::CallbackInfo& info) { return dopplerConversion(info, true); }
Napi::Value VelocityToFrequency(const Napi::CallbackInfo& info) { return dopplerConversion(info, false); }

Napi::Value ConvertEpoch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string context = "convertEpoch";
  Napi::Float64Array mjd = float64Arg(info, 0, context, "mjd");
  std::string from = stringArg(info, 1, context, "from");
  std::string to = stringArg(info, 2, context, "to");
  context += " " + from + " -> " + to;
  auto fromType = measureType<casacore::MEpoch>(env, from, context, "time scale");
  auto toType = measureType<casacore::MEpoch>(env, to, context, "time scale");
  casacore::MeasFrame frame = frameArg(info, 3, context);
  // Local sidereal time needs a place; casacore would silently use the Earth's centre otherwise.
  auto local = [](casacore::MEpoch::Types t) {
    casacore::uInt base = casacore::uInt(t) & ~casacore::uInt(casacore::MEpoch::EXTRA);
    return base == casacore::MEpoch::LAST || base == casacore::MEpoch::LMST;
  };
  if ((local(fromType) || local(toType)) && !frame.position()) {
    throw Napi::Error::New(env, context + ": local sidereal time needs frame.observatory or frame.position");
  }
  size_t n = mjd.ElementLength();
  Napi::Float64Array out = Napi::Float64Array::New(env, n);
  guarded(env, context, [&] {
    casacore::MEpoch::Convert conv(casacore::MEpoch::Ref(fromType, frame), casacore::MEpoch::Ref(toType, frame));
    for (size_t i = 0; i < n; ++i) {
      double t = mjd[i];
      out[i] = std::isfinite(t) ? conv(casacore::MVEpoch(t)).getValue().get() : kNaN;
    }
    return 0;
  });
  return out;
}

Napi::Value Observatories(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  casacore::Vector<casacore::String> names = guarded(env, "observatories", [] { return casacore::MeasTable::Observatories(); });
  Napi::Array out = Napi::Array::New(env, names.nelements());
  for (casacore::uInt i = 0; i < names.nelements(); ++i) out.Set(i, Napi::String::New(env, names[i]));
  return out;
}

}  // namespace

void initMeasures(Napi::Env env, Napi::Object exports) {
  exports.Set("convertDirection", Napi::Function::New(env, ConvertDirection, "convertDirection"));
  exports.Set("convertFrequency", Napi::Function::New(env, ConvertFrequency, "convertFrequency"));
  exports.Set("frequencyToVelocity", Napi::Function::New(env, FrequencyToVelocity, "frequencyToVelocity"));
  exports.Set("velocityToFrequency", Napi::Function::New(env, VelocityToFrequency, "velocityToFrequency"));
  exports.Set("convertEpoch", Napi::Function::New(env, ConvertEpoch, "convertEpoch"));
  exports.Set("observatories", Napi::Function::New(env, Observatories, "observatories"));
}

}  // namespace jovialcasa
