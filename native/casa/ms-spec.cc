// Reading createMeasurementSet's description on the main thread: plain C++ for the worker, or a
// SpecError naming the parameter.
#include <casacore/casa/BasicSL/String.h>
#include <casacore/casa/Utilities/Fallible.h>
#include <casacore/measures/Measures/MFrequency.h>
#include <casacore/measures/Measures/Stokes.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "ms-writer.h"

namespace jovialcasa {
namespace mswriter {

using namespace casacore;  // JavaScript types are always written Napi::...

namespace {

[[noreturn]] void typeError(const std::string& name, const std::string& what) { throw SpecError{false, name + " " + what}; }
[[noreturn]] void rangeError(const std::string& name, const std::string& what) { throw SpecError{true, name + " " + what}; }

}  // namespace

bool absent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

Napi::Object objectAt(const Napi::Value& v, const std::string& name) {
  if (!v.IsObject() || v.IsArray()) typeError(name, "must be an object");
  return v.As<Napi::Object>();
}

bool boolAt(const Napi::Value& v, const std::string& name, bool fallback) {
  if (absent(v)) return fallback;
  if (!v.IsBoolean()) typeError(name, "must be true or false");
  return v.As<Napi::Boolean>().Value();
}

namespace {

std::string at(const std::string& name, size_t i) { return name + "[" + std::to_string(i) + "]"; }

std::string describe(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", v);
  return text;
}

Napi::Array arrayAt(const Napi::Value& v, const std::string& name) {
  if (!v.IsArray()) typeError(name, "must be an array");
  return v.As<Napi::Array>();
}

std::string stringAt(const Napi::Value& v, const std::string& name, const std::string& fallback, bool required = false) {
  if (absent(v)) {
    if (required) typeError(name, "is required (a string)");
    return fallback;
  }
  if (!v.IsString()) typeError(name, "must be a string");
  return v.As<Napi::String>().Utf8Value();
}

double numberAt(const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) typeError(name, "must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) rangeError(name, "must be finite (it is " + describe(d) + ")");
  return d;
}

double numberAt(const Napi::Value& v, const std::string& name, double fallback) { return absent(v) ? fallback : numberAt(v, name); }

int checkedInt(double d, const std::string& name) {
  if (!std::isfinite(d) || d != std::trunc(d)) rangeError(name, "must be an integer (it is " + describe(d) + ")");
  if (d < std::numeric_limits<int32_t>::min() || d > std::numeric_limits<int32_t>::max()) rangeError(name, "is " + describe(d) + ", outside 32-bit integers");
  return static_cast<int>(d);
}

int intAt(const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) typeError(name, "must be an integer");
  return checkedInt(v.As<Napi::Number>().DoubleValue(), name);
}

int intAt(const Napi::Value& v, const std::string& name, int fallback) { return absent(v) ? fallback : intAt(v, name); }

// A plain array of numbers or any numeric typed array, as doubles (each finite).
std::vector<double> numbersAt(const Napi::Value& v, const std::string& name) {
  std::vector<double> out;
  if (v.IsTypedArray()) {
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    const size_t n = t.ElementLength();
    const uint8_t* base = static_cast<const uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
    out.resize(n);
    auto copy = [&](auto tag) {
      using T = decltype(tag);
      for (size_t i = 0; i < n; i++) {
        T x;
        std::memcpy(&x, base + i * sizeof(T), sizeof(T));
        out[i] = static_cast<double>(x);
      }
    };
    switch (t.TypedArrayType()) {
      case napi_int8_array:
        copy(int8_t{});
        break;
      case napi_uint8_array:
      case napi_uint8_clamped_array:
        copy(uint8_t{});
        break;
      case napi_int16_array:
        copy(int16_t{});
        break;
      case napi_uint16_array:
        copy(uint16_t{});
        break;
      case napi_int32_array:
        copy(int32_t{});
        break;
      case napi_uint32_array:
        copy(uint32_t{});
        break;
      case napi_float32_array:
        copy(float{});
        break;
      case napi_float64_array:
        copy(double{});
        break;
      default:
        typeError(name, "must be an array of numbers or a numeric typed array (not BigInt)");
    }
  } else if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    out.resize(a.Length());
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value e = a.Get(i);
      if (!e.IsNumber()) typeError(at(name, i), "must be a number");
      out[i] = e.As<Napi::Number>().DoubleValue();
    }
  } else {
    typeError(name, "must be an array of numbers or a numeric typed array");
  }
  for (size_t i = 0; i < out.size(); i++) {
    if (!std::isfinite(out[i])) rangeError(at(name, i), "must be finite (it is " + describe(out[i]) + ")");
  }
  return out;
}

std::vector<int> intsAt(const Napi::Value& v, const std::string& name) {
  std::vector<double> d = numbersAt(v, name);
  std::vector<int> out(d.size());
  for (size_t i = 0; i < d.size(); i++) out[i] = checkedInt(d[i], at(name, i));
  return out;
}

// A fixed-length vector ([x, y, z], [lon, lat]).
void fixedAt(const Napi::Value& v, const std::string& name, double* out, size_t n, const char* what) {
  std::vector<double> d = numbersAt(v, name);
  if (d.size() != n) rangeError(name, std::string("must have ") + std::to_string(n) + " values (" + what + "), not " + std::to_string(d.size()));
  std::copy(d.begin(), d.end(), out);
}

// One value per element, or one number for all.
std::vector<double> perElement(const Napi::Value& v, const std::string& name, size_t n, const std::string& against) {
  if (v.IsNumber()) return std::vector<double>(n, numberAt(v, name));
  std::vector<double> d = numbersAt(v, name);
  if (d.size() != n) rangeError(name, "has " + std::to_string(d.size()) + " values, " + against + " " + std::to_string(n) + " (or give one number for all)");
  return d;
}

void checkIndex(int value, size_t count, const std::string& name, const char* table) {
  if (value < 0 || static_cast<size_t>(value) >= count) {
    rangeError(name, "is " + std::to_string(value) + ", but there " + (count == 1 ? "is 1 " : "are " + std::to_string(count) + " ") + table +
                         (count == 1 ? "" : "s") + (count == 0 ? "" : " (0.." + std::to_string(count - 1) + ")"));
  }
}

AntennaSpec readAntenna(const Napi::Value& v, const std::string& name) {
  Napi::Object o = objectAt(v, name);
  AntennaSpec a;
  a.name = stringAt(o.Get("name"), name + ".name", "", true);
  a.station = stringAt(o.Get("station"), name + ".station", "");
  a.type = stringAt(o.Get("type"), name + ".type", "GROUND-BASED");
  a.mount = stringAt(o.Get("mount"), name + ".mount", "ALT-AZ");
  if (absent(o.Get("position"))) typeError(name + ".position", "is required ([x, y, z] ITRF metres)");
  fixedAt(o.Get("position"), name + ".position", a.position, 3, "x, y, z ITRF metres");
  if (absent(o.Get("offset"))) {
    std::fill(a.offset, a.offset + 3, 0.0);
  } else {
    fixedAt(o.Get("offset"), name + ".offset", a.offset, 3, "x, y, z metres");
  }
  if (absent(o.Get("dishDiameter"))) typeError(name + ".dishDiameter", "is required (metres)");
  a.dishDiameter = numberAt(o.Get("dishDiameter"), name + ".dishDiameter");
  if (a.dishDiameter < 0) rangeError(name + ".dishDiameter", "must not be negative (it is " + describe(a.dishDiameter) + ")");
  return a;
}

void readDirection(const Napi::Object& o, const char* key, const std::string& name, double* out, const double* fallback) {
  if (absent(o.Get(key))) {
    if (!fallback) typeError(name + "." + key, "is required ([ra, dec] J2000 radians)");
    std::copy(fallback, fallback + 2, out);
    return;
  }
  fixedAt(o.Get(key), name + "." + key, out, 2, "ra, dec J2000 radians");
  if (std::fabs(out[1]) > M_PI / 2 + 1e-12) rangeError(name + "." + key, "has a declination of " + describe(out[1]) + " rad, beyond the poles (angles are in radians)");
}

FieldSpec readField(const Napi::Value& v, const std::string& name) {
  Napi::Object o = objectAt(v, name);
  FieldSpec f;
  f.name = stringAt(o.Get("name"), name + ".name", "", true);
  f.code = stringAt(o.Get("code"), name + ".code", "");
  readDirection(o, "phaseDir", name, f.phaseDir, nullptr);
  readDirection(o, "delayDir", name, f.delayDir, f.phaseDir);
  readDirection(o, "referenceDir", name, f.referenceDir, f.phaseDir);
  f.time = numberAt(o.Get("time"), name + ".time", 0.0);
  f.sourceId = intAt(o.Get("sourceId"), name + ".sourceId", -1);
  return f;
}

int frequencyFrame(const Napi::Value& v, const std::string& name) {
  std::string s = stringAt(v, name, "TOPO");
  MFrequency::Types type;
  if (!MFrequency::getType(type, s)) rangeError(name, "is '" + s + "', not a frequency frame casacore knows (REST, LSRK, LSRD, BARY, GEO, TOPO, GALACTO, LGROUP, CMB)");
  return static_cast<int>(type);
}

SpectralWindowSpec readSpectralWindow(const Napi::Value& v, const std::string& name) {
  Napi::Object o = objectAt(v, name);
  SpectralWindowSpec w;
  w.name = stringAt(o.Get("name"), name + ".name", "");
  if (absent(o.Get("chanFreq"))) typeError(name + ".chanFreq", "is required (channel frequencies in Hz)");
  w.chanFreq = numbersAt(o.Get("chanFreq"), name + ".chanFreq");
  const size_t n = w.chanFreq.size();
  if (n == 0) rangeError(name + ".chanFreq", "is empty: a spectral window has at least one channel");
  for (size_t c = 0; c < n; c++) {
    if (w.chanFreq[c] <= 0) rangeError(at(name + ".chanFreq", c), "must be a positive frequency in Hz (it is " + describe(w.chanFreq[c]) + ")");
  }
  if (absent(o.Get("chanWidth"))) typeError(name + ".chanWidth", "is required (Hz, one per channel or one for all)");
  w.chanWidth = perElement(o.Get("chanWidth"), name + ".chanWidth", n, "chanFreq");
  for (size_t c = 0; c < n; c++) {
    if (w.chanWidth[c] == 0) rangeError(at(name + ".chanWidth", c), "is 0: a channel has a width");
  }
  std::vector<double> absWidth(n);
  std::transform(w.chanWidth.begin(), w.chanWidth.end(), absWidth.begin(), [](double d) { return std::fabs(d); });
  w.effectiveBw = absent(o.Get("effectiveBw")) ? absWidth : perElement(o.Get("effectiveBw"), name + ".effectiveBw", n, "chanFreq");
  w.resolution = absent(o.Get("resolution")) ? absWidth : perElement(o.Get("resolution"), name + ".resolution", n, "chanFreq");
  double total = 0;
  for (double d : absWidth) total += d;
  // CASA's own simulator (NewMSSimulator) refers a window to its first channel.
  w.refFrequency = numberAt(o.Get("refFrequency"), name + ".refFrequency", w.chanFreq[0]);
  w.totalBandwidth = numberAt(o.Get("totalBandwidth"), name + ".totalBandwidth", total);
  w.measFreqRef = frequencyFrame(o.Get("measFreqRef"), name + ".measFreqRef");
  w.netSideband = intAt(o.Get("netSideband"), name + ".netSideband", 1);
  return w;
}

PolarizationSpec readPolarization(const Napi::Value& v, const std::string& name) {
  Napi::Object o = objectAt(v, name);
  PolarizationSpec p;
  Napi::Array types = arrayAt(o.Get("corrType"), name + ".corrType");
  if (types.Length() == 0) rangeError(name + ".corrType", "is empty: give the correlations, e.g. [\"XX\", \"YY\"]");
  for (uint32_t i = 0; i < types.Length(); i++) {
    const std::string s = stringAt(types.Get(i), at(name + ".corrType", i), "", true);
    Stokes::StokesTypes t = Stokes::type(String(s));
    if (t == Stokes::Undefined) rangeError(at(name + ".corrType", i), "is '" + s + "', not a correlation casacore knows (I, Q, U, V, RR, RL, LR, LL, XX, XY, YX, YY, ...)");
    p.corrType.push_back(static_cast<int>(t));
  }
  const size_t n = p.corrType.size();
  p.corrProduct.assign(2 * n, 0);
  for (size_t j = 0; j < n; j++) {
    // Stokes parameters (I, Q, ...) have no receptor pair: 0, 0, as CASA's simulator writes them.
    Fallible<Int> r1 = Stokes::receptor1(Stokes::StokesTypes(p.corrType[j]));
    Fallible<Int> r2 = Stokes::receptor2(Stokes::StokesTypes(p.corrType[j]));
    p.corrProduct[2 * j] = r1.isValid() ? r1.value() : 0;
    p.corrProduct[2 * j + 1] = r2.isValid() ? r2.value() : 0;
  }
  return p;
}

ObservationSpec readObservation(const Napi::Value& v, const std::string& name) {
  ObservationSpec obs;
  if (absent(v)) return obs;
  Napi::Object o = objectAt(v, name);
  obs.telescopeName = stringAt(o.Get("telescopeName"), name + ".telescopeName", "");
  obs.observer = stringAt(o.Get("observer"), name + ".observer", "");
  obs.project = stringAt(o.Get("project"), name + ".project", "");
  obs.scheduleType = stringAt(o.Get("scheduleType"), name + ".scheduleType", "");
  obs.releaseDate = numberAt(o.Get("releaseDate"), name + ".releaseDate", 0.0);
  if (!absent(o.Get("timeRange"))) {
    fixedAt(o.Get("timeRange"), name + ".timeRange", obs.timeRange, 2, "start, end MJD seconds");
    if (obs.timeRange[1] < obs.timeRange[0]) rangeError(name + ".timeRange", "ends before it starts");
    obs.hasTimeRange = true;
  }
  return obs;
}

template <typename T, typename F>
std::vector<T> readList(const Napi::Object& spec, const char* key, bool required, F&& readOne) {
  std::vector<T> out;
  Napi::Value v = spec.Get(key);
  if (absent(v)) {
    if (required) typeError(key, "is required (an array)");
    return out;
  }
  Napi::Array a = arrayAt(v, key);
  if (required && a.Length() == 0) rangeError(key, "is empty");
  for (uint32_t i = 0; i < a.Length(); i++) out.push_back(readOne(a.Get(i), at(key, i)));
  return out;
}

void readRows(const Napi::Value& v, MsSpec& spec) {
  const std::string name = "rows";
  Napi::Object o = objectAt(v, name);
  Rows& r = spec.rows;
  if (absent(o.Get("time"))) typeError("rows.time", "is required (MJD seconds, UTC, one per row)");
  r.time = numbersAt(o.Get("time"), "rows.time");
  const size_t n = r.time.size();
  auto ints = [&](const char* key) {
    const std::string col = name + "." + key;
    if (absent(o.Get(key))) typeError(col, "is required (one integer per row)");
    std::vector<int> d = intsAt(o.Get(key), col);
    if (d.size() != n) rangeError(col, "has " + std::to_string(d.size()) + " values, rows.time " + std::to_string(n));
    return d;
  };
  r.fieldId = ints("fieldId");
  r.scanNumber = ints("scanNumber");
  r.dataDescId = ints("dataDescId");
  r.antenna1 = ints("antenna1");
  r.antenna2 = ints("antenna2");
  if (absent(o.Get("interval"))) typeError("rows.interval", "is required (seconds, one per row or one for all)");
  r.interval = perElement(o.Get("interval"), "rows.interval", n, "rows.time");
  r.exposure = absent(o.Get("exposure")) ? r.interval : perElement(o.Get("exposure"), "rows.exposure", n, "rows.time");
  r.timeCentroid = absent(o.Get("timeCentroid")) ? r.time : perElement(o.Get("timeCentroid"), "rows.timeCentroid", n, "rows.time");
  if (!absent(o.Get("uvw"))) {
    r.uvw = numbersAt(o.Get("uvw"), "rows.uvw");
    if (r.uvw.size() != 3 * n) rangeError("rows.uvw", "has " + std::to_string(r.uvw.size()) + " values; it needs 3 per row (u, v, w), " + std::to_string(3 * n));
    r.hasUvw = true;
  }
  for (size_t i = 0; i < n; i++) {
    checkIndex(r.fieldId[i], spec.fields.size(), at("rows.fieldId", i), "field");
    checkIndex(r.dataDescId[i], spec.dataDescriptions.size(), at("rows.dataDescId", i), "data description");
    checkIndex(r.antenna1[i], spec.antennas.size(), at("rows.antenna1", i), "antenna");
    checkIndex(r.antenna2[i], spec.antennas.size(), at("rows.antenna2", i), "antenna");
    if (r.scanNumber[i] < 0) rangeError(at("rows.scanNumber", i), "must not be negative");
    if (r.interval[i] < 0) rangeError(at("rows.interval", i), "must not be negative");
    if (r.exposure[i] < 0) rangeError(at("rows.exposure", i), "must not be negative");
  }
}

ScanSpec readScan(const Napi::Value& v, const std::string& name, size_t index, const MsSpec& spec) {
  Napi::Object o = objectAt(v, name);
  ScanSpec s;
  s.scanNumber = intAt(o.Get("scanNumber"), name + ".scanNumber", static_cast<int>(index) + 1);
  if (s.scanNumber < 0) rangeError(name + ".scanNumber", "must not be negative");
  if (absent(o.Get("fieldId"))) typeError(name + ".fieldId", "is required (an index into fields)");
  s.fieldId = intAt(o.Get("fieldId"), name + ".fieldId");
  checkIndex(s.fieldId, spec.fields.size(), name + ".fieldId", "field");
  if (absent(o.Get("start"))) typeError(name + ".start", "is required (MJD seconds, UTC)");
  s.start = numberAt(o.Get("start"), name + ".start");
  if (absent(o.Get("interval"))) typeError(name + ".interval", "is required (seconds per integration)");
  s.interval = numberAt(o.Get("interval"), name + ".interval");
  if (s.interval <= 0) rangeError(name + ".interval", "must be positive (it is " + describe(s.interval) + ")");
  if (absent(o.Get("integrations"))) typeError(name + ".integrations", "is required (how many integrations)");
  s.integrations = intAt(o.Get("integrations"), name + ".integrations");
  if (s.integrations < 1) rangeError(name + ".integrations", "must be at least 1 (it is " + std::to_string(s.integrations) + ")");
  if (absent(o.Get("dataDescIds"))) {
    for (size_t d = 0; d < spec.dataDescriptions.size(); d++) s.dataDescIds.push_back(static_cast<int>(d));
  } else {
    s.dataDescIds = intsAt(o.Get("dataDescIds"), name + ".dataDescIds");
    if (s.dataDescIds.empty()) rangeError(name + ".dataDescIds", "is empty");
    for (size_t d = 0; d < s.dataDescIds.size(); d++) checkIndex(s.dataDescIds[d], spec.dataDescriptions.size(), at(name + ".dataDescIds", d), "data description");
  }
  s.autocorrelations = boolAt(o.Get("autocorrelations"), name + ".autocorrelations", false);
  return s;
}

uint64_t baselineCount(size_t nant, bool autocorrelations) { return autocorrelations ? nant * (nant + 1) / 2 : nant * (nant - 1) / 2; }

}  // namespace

MsSpec readSpec(const Napi::Value& v) {
  Napi::Object o = objectAt(v, "the description");
  MsSpec spec;
  spec.antennas = readList<AntennaSpec>(o, "antennas", true, readAntenna);
  spec.fields = readList<FieldSpec>(o, "fields", true, readField);
  spec.spectralWindows = readList<SpectralWindowSpec>(o, "spectralWindows", true, readSpectralWindow);
  spec.polarizations = readList<PolarizationSpec>(o, "polarizations", true, readPolarization);
  if (absent(o.Get("dataDescriptions"))) {
    // One per spectral window, all with the first polarization: the usual case.
    for (size_t i = 0; i < spec.spectralWindows.size(); i++) spec.dataDescriptions.push_back({static_cast<int>(i), 0});
  } else {
    spec.dataDescriptions = readList<DataDescriptionSpec>(o, "dataDescriptions", true, [&](const Napi::Value& e, const std::string& name) {
      Napi::Object d = objectAt(e, name);
      DataDescriptionSpec dd{intAt(d.Get("spectralWindowId"), name + ".spectralWindowId"), intAt(d.Get("polarizationId"), name + ".polarizationId")};
      checkIndex(dd.spectralWindowId, spec.spectralWindows.size(), name + ".spectralWindowId", "spectral window");
      checkIndex(dd.polarizationId, spec.polarizations.size(), name + ".polarizationId", "polarization");
      return dd;
    });
  }
  spec.observation = readObservation(o.Get("observation"), "observation");
  if (!absent(o.Get("dataColumns"))) {
    Napi::Array a = arrayAt(o.Get("dataColumns"), "dataColumns");
    for (uint32_t i = 0; i < a.Length(); i++) {
      std::string c = stringAt(a.Get(i), at("dataColumns", i), "", true);
      if (c != "DATA" && c != "MODEL_DATA" && c != "CORRECTED_DATA") rangeError(at("dataColumns", i), "is '" + c + "'; the data columns are DATA, MODEL_DATA and CORRECTED_DATA");
      if (std::find(spec.dataColumns.begin(), spec.dataColumns.end(), c) != spec.dataColumns.end()) rangeError(at("dataColumns", i), "repeats " + c);
      spec.dataColumns.push_back(c);
    }
  }
  const bool hasRows = !absent(o.Get("rows")), hasScans = !absent(o.Get("scans"));
  if (hasRows && hasScans) rangeError("rows", "and scans are both given: describe the main table one way");
  if (hasRows) readRows(o.Get("rows"), spec);
  if (hasScans) {
    Napi::Array a = arrayAt(o.Get("scans"), "scans");
    const uint64_t perIntegration = baselineCount(spec.antennas.size(), false);
    uint64_t total = 0;
    for (uint32_t i = 0; i < a.Length(); i++) {
      ScanSpec s = readScan(a.Get(i), at("scans", i), i, spec);
      const uint64_t perRow = s.autocorrelations ? baselineCount(spec.antennas.size(), true) : perIntegration;
      total += perRow * s.dataDescIds.size() * static_cast<uint64_t>(s.integrations);
      if (total > kMaxRows) rangeError(at("scans", i), "takes the main table beyond 2^40 rows");
      spec.scans.push_back(std::move(s));
    }
    if (total == 0 && !spec.scans.empty()) rangeError("scans", "make no rows: one antenna has no baselines (set autocorrelations: true for single-dish rows)");
    spec.fromScans = true;
  }
  return spec;
}

}  // namespace mswriter
}  // namespace jovialcasa
