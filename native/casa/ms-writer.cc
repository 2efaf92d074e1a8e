// createMeasurementSet(path, spec, { overwrite }): a new MeasurementSet written with casacore's own MS
// classes (MS::requiredTableDesc, SetupNewTable, createDefaultSubtables, MSColumns), as
// python-casacore's default_ms starts one, filled from a plain description: ANTENNA, FIELD,
// SPECTRAL_WINDOW, POLARIZATION, DATA_DESCRIPTION, OBSERVATION, FEED and main-table rows given
// column by column or generated from scans (casa-bridge/src/native.ts has the contract).
//
// The description is read and checked on the main thread, so a wrong parameter is an Error naming it
// before anything touches the disk. The writing runs in an AsyncWorker: the MS is made inside a
// staging folder next to the target (the same file system, so the final rename is atomic) and only
// renamed into place once casacore has flushed and closed every table; on any failure the staging
// folder is removed and the target, old MS or nothing, is as it was. The staging MS is held under its
// own table mutex while casacore writes it, and the swap under the mutexes of the target and of its
// subtables (in address order), as every other use of a table path (common.h).
#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/BasicSL/Complex.h>
#include <casacore/casa/BasicSL/String.h>
#include <casacore/casa/Quanta/MVBaseline.h>
#include <casacore/casa/Quanta/MVDirection.h>
#include <casacore/casa/Quanta/MVPosition.h>
#include <casacore/casa/Quanta/MVuvw.h>
#include <casacore/casa/Quanta/Quantum.h>
#include <casacore/casa/Utilities/Fallible.h>
#include <casacore/measures/Measures/MBaseline.h>
#include <casacore/measures/Measures/MCBaseline.h>
#include <casacore/measures/Measures/MDirection.h>
#include <casacore/measures/Measures/MEpoch.h>
#include <casacore/measures/Measures/MFrequency.h>
#include <casacore/measures/Measures/MPosition.h>
#include <casacore/measures/Measures/MeasFrame.h>
#include <casacore/measures/Measures/MeasTable.h>
#include <casacore/measures/Measures/Stokes.h>
#include <casacore/ms/MeasurementSets/MSColumns.h>
#include <casacore/ms/MeasurementSets/MeasurementSet.h>
#include <casacore/tables/DataMan/TiledShapeStMan.h>
#include <casacore/tables/Tables/SetupNewTab.h>
#include <casacore/tables/Tables/Table.h>
#include <casacore/tables/Tables/TableDesc.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "common.h"
#include "promise-worker.h"

namespace jovialcasa {

namespace {

namespace fs = std::filesystem;
using namespace casacore;  // JavaScript types are always written Napi::...

// ---------------------------------------------------------------------------------------------
// The description, as plain C++ (read on the main thread, used by the worker)

struct AntennaSpec {
  std::string name, station, type, mount;
  double position[3];
  double offset[3];
  double dishDiameter;
};

struct FieldSpec {
  std::string name, code;
  double phaseDir[2], delayDir[2], referenceDir[2];
  double time;
  int sourceId;
};

struct SpectralWindowSpec {
  std::string name;
  std::vector<double> chanFreq, chanWidth, effectiveBw, resolution;
  double refFrequency, totalBandwidth;
  int measFreqRef, netSideband;
};

struct PolarizationSpec {
  std::vector<int> corrType;
  std::vector<int> corrProduct;  // [2, ncorr], receptor 1 and 2 of each correlation
};

struct DataDescriptionSpec {
  int spectralWindowId, polarizationId;
};

struct ObservationSpec {
  std::string telescopeName, observer, project, scheduleType;
  bool hasTimeRange = false;
  double timeRange[2] = {0, 0};
  double releaseDate = 0;
};

struct ScanSpec {
  int scanNumber, fieldId, integrations;
  double start, interval;
  std::vector<int> dataDescIds;
  bool autocorrelations;
};

// Main-table rows, column by column (the scans are expanded into these in the worker).
struct Rows {
  std::vector<double> time, timeCentroid, interval, exposure, uvw;
  std::vector<int> fieldId, scanNumber, dataDescId, antenna1, antenna2;
  bool hasUvw = false;
  size_t size() const { return time.size(); }
};

struct MsSpec {
  std::vector<AntennaSpec> antennas;
  std::vector<FieldSpec> fields;
  std::vector<SpectralWindowSpec> spectralWindows;
  std::vector<PolarizationSpec> polarizations;
  std::vector<DataDescriptionSpec> dataDescriptions;
  ObservationSpec observation;
  std::vector<std::string> dataColumns;
  std::vector<ScanSpec> scans;
  Rows rows;
  bool fromScans = false;
};

// The largest main table accepted: row numbers stay exact in JavaScript and in casacore's rownr_t.
constexpr uint64_t kMaxRows = uint64_t(1) << 40;

// ---------------------------------------------------------------------------------------------
// Reading the description: each error names the parameter (spectralWindows[1].chanWidth, ...)

struct SpecError {
  bool range;  // RangeError (a value out of range) rather than TypeError (a value of the wrong kind)
  std::string message;
};

[[noreturn]] void typeError(const std::string& name, const std::string& what) { throw SpecError{false, name + " " + what}; }
[[noreturn]] void rangeError(const std::string& name, const std::string& what) { throw SpecError{true, name + " " + what}; }

std::string at(const std::string& name, size_t i) { return name + "[" + std::to_string(i) + "]"; }
bool absent(const Napi::Value& v) { return v.IsUndefined() || v.IsNull(); }

std::string describe(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", v);
  return text;
}

Napi::Object objectAt(const Napi::Value& v, const std::string& name) {
  if (!v.IsObject() || v.IsArray()) typeError(name, "must be an object");
  return v.As<Napi::Object>();
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

bool boolAt(const Napi::Value& v, const std::string& name, bool fallback) {
  if (absent(v)) return fallback;
  if (!v.IsBoolean()) typeError(name, "must be true or false");
  return v.As<Napi::Boolean>().Value();
}

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

// ---------------------------------------------------------------------------------------------
// Rows from scans, and UVW from the antenna positions (in the worker)

// Each integration of each scan, in each of its data descriptions, every baseline (ANTENNA1 <
// ANTENNA2, or <= with autocorrelations): the order CASA's fillers and simulator write.
void expandScans(MsSpec& spec) {
  Rows& r = spec.rows;
  const int nant = static_cast<int>(spec.antennas.size());
  for (const ScanSpec& s : spec.scans) {
    for (int k = 0; k < s.integrations; k++) {
      // TIME is the middle of the integration.
      const double t = s.start + (k + 0.5) * s.interval;
      for (int dd : s.dataDescIds) {
        for (int a1 = 0; a1 < nant; a1++) {
          for (int a2 = s.autocorrelations ? a1 : a1 + 1; a2 < nant; a2++) {
            r.time.push_back(t);
            r.timeCentroid.push_back(t);
            r.interval.push_back(s.interval);
            r.exposure.push_back(s.interval);
            r.fieldId.push_back(s.fieldId);
            r.scanNumber.push_back(s.scanNumber);
            r.dataDescId.push_back(dd);
            r.antenna1.push_back(a1);
            r.antenna2.push_back(a2);
          }
        }
      }
    }
  }
}

// UVW in J2000 as CASA's simulator computes it (NewMSSimulator::calcAntUVW): each antenna's offset
// from the array's position, ITRF to J2000 at the row's time, projected on the field's phase centre;
// a baseline's UVW is antenna 2's minus antenna 1's.
class UvwCalculator {
 public:
  explicit UvwCalculator(const MsSpec& spec) : spec_(spec) {
    MPosition known;
    if (!spec.observation.telescopeName.empty() && MeasTable::Observatory(known, spec.observation.telescopeName)) {
      array_ = MPosition::Convert(known, MPosition::ITRF)();
    } else {
      // An observatory casacore does not know: the middle antenna, as casacore's derivedmscal does.
      const AntennaSpec& mid = spec.antennas[spec.antennas.size() / 2];
      array_ = MPosition(MVPosition(mid.position[0], mid.position[1], mid.position[2]), MPosition::ITRF);
    }
    frame_.set(array_);
    frame_.set(MEpoch(Quantity(0, "s"), MEpoch::UTC));
    frame_.set(MDirection(MVDirection(0, 0), MDirection::J2000));
    baseline_ = MBaseline(MVBaseline(), MBaseline::Ref(MBaseline::ITRF, frame_));
    toJ2000_ = MBaseline::Convert(baseline_, MBaseline::Ref(MBaseline::J2000));
    perAntenna_.resize(3 * spec.antennas.size());
  }

  void fill(Rows& rows) {
    rows.uvw.resize(3 * rows.size());
    for (size_t i = 0; i < rows.size(); i++) {
      at(rows.time[i], rows.fieldId[i]);
      const double* u1 = &perAntenna_[3 * rows.antenna1[i]];
      const double* u2 = &perAntenna_[3 * rows.antenna2[i]];
      for (int c = 0; c < 3; c++) rows.uvw[3 * i + c] = u2[c] - u1[c];
    }
  }

 private:
  // Recomputed when the time or the field changes (rows of one integration share both).
  void at(double time, int fieldId) {
    if (time == lastTime_ && fieldId == lastField_) return;
    const FieldSpec& f = spec_.fields[fieldId];
    const MVDirection centre(f.phaseDir[0], f.phaseDir[1]);
    frame_.resetEpoch(MEpoch(Quantity(time, "s"), MEpoch::UTC));
    frame_.resetDirection(MDirection(centre, MDirection::J2000));
    const MVPosition origin = array_.getValue();
    for (size_t a = 0; a < spec_.antennas.size(); a++) {
      const double* p = spec_.antennas[a].position;
      const MVPosition offset(p[0] - origin(0), p[1] - origin(1), p[2] - origin(2));
      const MVuvw uvw(toJ2000_(MVBaseline(offset)).getValue(), centre);
      for (int c = 0; c < 3; c++) perAntenna_[3 * a + c] = uvw(c);
    }
    lastTime_ = time;
    lastField_ = fieldId;
  }

  const MsSpec& spec_;
  MPosition array_;
  MeasFrame frame_;
  MBaseline baseline_;
  MBaseline::Convert toJ2000_;
  std::vector<double> perAntenna_;
  double lastTime_ = std::numeric_limits<double>::quiet_NaN();
  int lastField_ = -1;
};

// ---------------------------------------------------------------------------------------------
// Writing the MS (in the staging folder)

template <typename T, typename U>
Vector<T> vectorOf(const std::vector<U>& v) {
  Vector<T> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), [](U x) { return static_cast<T>(x); });
  return out;
}

Vector<String> strings(const std::vector<std::string>& v) {
  Vector<String> out(v.size());
  for (size_t i = 0; i < v.size(); i++) out[i] = v[i];
  return out;
}

template <typename S, typename F>
std::vector<std::string> each(const std::vector<S>& items, F&& field) {
  std::vector<std::string> out;
  for (const S& s : items) out.push_back(field(s));
  return out;
}

Matrix<Double> directionMatrix(const double* lonLat) {
  Matrix<Double> m(2, 1);
  m(0, 0) = lonLat[0];
  m(1, 0) = lonLat[1];
  return m;
}

// The receptors of the feeds, from the first polarization: X and Y for linear correlations, R and L
// for circular ones, X and Y when it lists Stokes parameters.
std::vector<std::string> receptorTypes(const PolarizationSpec& pol) {
  for (int t : pol.corrType) {
    if (t >= Stokes::RR && t <= Stokes::LL) return {"R", "L"};
    if (t >= Stokes::XX && t <= Stokes::YY) return {"X", "Y"};
  }
  return {"X", "Y"};
}

MSMainEnums::PredefinedColumns dataColumnEnum(const std::string& c) {
  if (c == "DATA") return MS::DATA;
  if (c == "MODEL_DATA") return MS::MODEL_DATA;
  return MS::CORRECTED_DATA;
}

void writeSubtables(MeasurementSet& ms, MSColumns& cols, const MsSpec& spec, const Rows& rows) {
  const rownr_t nant = spec.antennas.size();
  ms.antenna().addRow(nant);
  MSAntennaColumns& ant = cols.antenna();
  ant.name().putColumn(strings(each(spec.antennas, [](const AntennaSpec& a) { return a.name; })));
  ant.station().putColumn(strings(each(spec.antennas, [](const AntennaSpec& a) { return a.station; })));
  ant.type().putColumn(strings(each(spec.antennas, [](const AntennaSpec& a) { return a.type; })));
  ant.mount().putColumn(strings(each(spec.antennas, [](const AntennaSpec& a) { return a.mount; })));
  for (rownr_t i = 0; i < nant; i++) {
    const AntennaSpec& a = spec.antennas[i];
    ant.position().put(i, vectorOf<Double>(std::vector<double>(a.position, a.position + 3)));
    ant.offset().put(i, vectorOf<Double>(std::vector<double>(a.offset, a.offset + 3)));
    ant.dishDiameter().put(i, a.dishDiameter);
    ant.flagRow().put(i, False);
  }

  ms.field().addRow(spec.fields.size());
  MSFieldColumns& field = cols.field();
  for (rownr_t i = 0; i < spec.fields.size(); i++) {
    const FieldSpec& f = spec.fields[i];
    field.name().put(i, f.name);
    field.code().put(i, f.code);
    field.time().put(i, f.time);
    field.numPoly().put(i, 0);
    field.phaseDir().put(i, directionMatrix(f.phaseDir));
    field.delayDir().put(i, directionMatrix(f.delayDir));
    field.referenceDir().put(i, directionMatrix(f.referenceDir));
    field.sourceId().put(i, f.sourceId);
    field.flagRow().put(i, False);
  }

  ms.spectralWindow().addRow(spec.spectralWindows.size());
  MSSpWindowColumns& spw = cols.spectralWindow();
  for (rownr_t i = 0; i < spec.spectralWindows.size(); i++) {
    const SpectralWindowSpec& w = spec.spectralWindows[i];
    spw.name().put(i, w.name);
    spw.numChan().put(i, static_cast<Int>(w.chanFreq.size()));
    spw.chanFreq().put(i, vectorOf<Double>(w.chanFreq));
    spw.chanWidth().put(i, vectorOf<Double>(w.chanWidth));
    spw.effectiveBW().put(i, vectorOf<Double>(w.effectiveBw));
    spw.resolution().put(i, vectorOf<Double>(w.resolution));
    spw.refFrequency().put(i, w.refFrequency);
    spw.totalBandwidth().put(i, w.totalBandwidth);
    spw.measFreqRef().put(i, w.measFreqRef);
    spw.netSideband().put(i, w.netSideband);
    spw.ifConvChain().put(i, 0);
    spw.freqGroup().put(i, 0);
    spw.freqGroupName().put(i, "");
    spw.flagRow().put(i, False);
  }

  ms.polarization().addRow(spec.polarizations.size());
  MSPolarizationColumns& pol = cols.polarization();
  for (rownr_t i = 0; i < spec.polarizations.size(); i++) {
    const PolarizationSpec& p = spec.polarizations[i];
    const size_t n = p.corrType.size();
    pol.numCorr().put(i, static_cast<Int>(n));
    pol.corrType().put(i, vectorOf<Int>(p.corrType));
    Matrix<Int> products(2, n);
    for (size_t j = 0; j < n; j++) {
      products(0, j) = p.corrProduct[2 * j];
      products(1, j) = p.corrProduct[2 * j + 1];
    }
    pol.corrProduct().put(i, products);
    pol.flagRow().put(i, False);
  }

  ms.dataDescription().addRow(spec.dataDescriptions.size());
  MSDataDescColumns& dd = cols.dataDescription();
  for (rownr_t i = 0; i < spec.dataDescriptions.size(); i++) {
    dd.spectralWindowId().put(i, spec.dataDescriptions[i].spectralWindowId);
    dd.polarizationId().put(i, spec.dataDescriptions[i].polarizationId);
    dd.flagRow().put(i, False);
  }

  ms.observation().addRow(1);
  MSObservationColumns& obs = cols.observation();
  const ObservationSpec& o = spec.observation;
  double range[2] = {o.timeRange[0], o.timeRange[1]};
  if (!o.hasTimeRange && rows.size() > 0) {
    // The span of the rows' integrations.
    range[0] = std::numeric_limits<double>::infinity();
    range[1] = -range[0];
    for (size_t i = 0; i < rows.size(); i++) {
      range[0] = std::min(range[0], rows.time[i] - rows.interval[i] / 2);
      range[1] = std::max(range[1], rows.time[i] + rows.interval[i] / 2);
    }
  }
  obs.telescopeName().put(0, o.telescopeName);
  obs.observer().put(0, o.observer);
  obs.project().put(0, o.project);
  obs.scheduleType().put(0, o.scheduleType);
  obs.timeRange().put(0, vectorOf<Double>(std::vector<double>{range[0], range[1]}));
  obs.releaseDate().put(0, o.releaseDate);
  obs.flagRow().put(0, False);

  // One feed per antenna for every spectral window (-1), two receptors, ideal response: what CASA's
  // simulator writes, and what calibration tasks look up per antenna.
  const std::vector<std::string> receptors = receptorTypes(spec.polarizations[0]);
  ms.feed().addRow(nant);
  MSFeedColumns& feed = cols.feed();
  Matrix<Complex> response(2, 2, Complex(0, 0));
  response(0, 0) = response(1, 1) = Complex(1, 0);
  for (rownr_t i = 0; i < nant; i++) {
    feed.antennaId().put(i, static_cast<Int>(i));
    feed.feedId().put(i, 0);
    feed.spectralWindowId().put(i, -1);
    feed.time().put(i, range[0]);
    feed.interval().put(i, 1e30);  // CASA's "for ever"
    feed.numReceptors().put(i, 2);
    feed.beamId().put(i, -1);
    feed.beamOffset().put(i, Matrix<Double>(2, 2, 0.0));
    feed.polarizationType().put(i, strings(receptors));
    feed.polResponse().put(i, response);
    feed.position().put(i, Vector<Double>(3, 0.0));
    feed.receptorAngle().put(i, Vector<Double>(2, 0.0));
  }
}

void writeMainTable(MeasurementSet& ms, MSColumns& cols, const MsSpec& spec, const Rows& rows) {
  const rownr_t n = rows.size();
  if (n == 0) return;
  cols.time().putColumn(vectorOf<Double>(rows.time));
  cols.timeCentroid().putColumn(vectorOf<Double>(rows.timeCentroid));
  cols.interval().putColumn(vectorOf<Double>(rows.interval));
  cols.exposure().putColumn(vectorOf<Double>(rows.exposure));
  cols.fieldId().putColumn(vectorOf<Int>(rows.fieldId));
  cols.scanNumber().putColumn(vectorOf<Int>(rows.scanNumber));
  cols.dataDescId().putColumn(vectorOf<Int>(rows.dataDescId));
  cols.antenna1().putColumn(vectorOf<Int>(rows.antenna1));
  cols.antenna2().putColumn(vectorOf<Int>(rows.antenna2));
  cols.feed1().fillColumn(0);
  cols.feed2().fillColumn(0);
  cols.arrayId().fillColumn(0);
  cols.observationId().fillColumn(0);
  // No PROCESSOR or STATE rows are written: -1 says so (MS v2).
  cols.processorId().fillColumn(-1);
  cols.stateId().fillColumn(-1);
  cols.flagRow().fillColumn(False);
  Matrix<Double> uvw(3, n);
  std::copy(rows.uvw.begin(), rows.uvw.end(), uvw.data());
  cols.uvw().putColumn(uvw);

  // FLAG, WEIGHT and SIGMA (and the data columns) shaped per row by its data description:
  // [correlations, channels] and [correlations].
  std::vector<ArrayColumn<Complex>> data;
  for (const std::string& c : spec.dataColumns) data.emplace_back(ms, c);
  for (rownr_t i = 0; i < n; i++) {
    const DataDescriptionSpec& dd = spec.dataDescriptions[rows.dataDescId[i]];
    const size_t ncorr = spec.polarizations[dd.polarizationId].corrType.size();
    const size_t nchan = spec.spectralWindows[dd.spectralWindowId].chanFreq.size();
    cols.flag().put(i, Matrix<Bool>(ncorr, nchan, False));
    cols.weight().put(i, Vector<Float>(ncorr, 1.0f));
    cols.sigma().put(i, Vector<Float>(ncorr, 1.0f));
    for (ArrayColumn<Complex>& d : data) d.put(i, Matrix<Complex>(ncorr, nchan, Complex(0, 0)));
  }
}

// After a failed write (a full disk, say) the tables must not flush again as they close: casacore's
// destructors would meet the same error and print it to stderr. Marked for delete, they close
// without writing (the staging folder goes anyway).
void discard(MeasurementSet& ms) noexcept {
  try {
    const TableRecord& keywords = ms.keywordSet();
    for (uInt i = 0; i < keywords.nfields(); i++) {
      if (keywords.type(i) != TpTable) continue;
      try {
        keywords.asTable(i).markForDelete();
      } catch (...) {
      }
    }
  } catch (...) {
  }
  try {
    ms.markForDelete();
  } catch (...) {
  }
}

void writeMeasurementSet(const std::string& path, const MsSpec& spec, const Rows& rows) {
  TableDesc desc = MS::requiredTableDesc();
  for (const std::string& c : spec.dataColumns) MS::addColumnToDesc(desc, dataColumnEnum(c), 2);
  // The per-row arrays in tiles (as CASA stores them), one hypercolumn each; TiledShapeStMan keeps
  // a hypercube per cell shape, so windows of different widths share the column.
  std::vector<std::pair<std::string, int>> tiled = {{"FLAG", 2}, {"WEIGHT", 1}, {"SIGMA", 1}};
  for (const std::string& c : spec.dataColumns) tiled.push_back({c, 2});
  for (const auto& [column, ndim] : tiled) desc.defineHypercolumn("Tiled" + column, ndim + 1, Vector<String>(1, column));

  SetupNewTable setup(path, desc, Table::New);
  size_t maxCorr = 1, maxChan = 1;
  for (const PolarizationSpec& p : spec.polarizations) maxCorr = std::max(maxCorr, p.corrType.size());
  for (const SpectralWindowSpec& w : spec.spectralWindows) maxChan = std::max(maxChan, w.chanFreq.size());
  // Tiles of about 128 kB of flags (CASA's usual size): whole cells, as many rows as fit.
  const size_t chanTile = std::min<size_t>(maxChan, 1024);
  const size_t rowTile = std::max<size_t>(1, (size_t(128) << 10) / (maxCorr * chanTile));
  for (const auto& [column, ndim] : tiled) {
    IPosition tile = ndim == 2 ? IPosition(3, maxCorr, chanTile, rowTile) : IPosition(2, maxCorr, rowTile);
    TiledShapeStMan manager("Tiled" + column, tile);
    setup.bindColumn(column, manager);
  }

  MeasurementSet ms(setup, rows.size());
  try {
    ms.createDefaultSubtables(Table::New);
    MSColumns cols(ms);
    writeSubtables(ms, cols, spec, rows);
    writeMainTable(ms, cols, spec, rows);
    ms.flush(True);
  } catch (...) {
    discard(ms);
    throw;
  }
}

// ---------------------------------------------------------------------------------------------
// Staging folder and swap

std::string errnoText(int e) { return std::strerror(e); }

// The subtables of an existing table (folders with a table.dat), whose mutexes the swap also takes.
std::vector<std::string> subtablePaths(const std::string& table) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(table, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (it->is_directory(e2) && fs::exists(it->path() / "table.dat", e2)) out.push_back(it->path().string());
  }
  return out;
}

// What may stand at the target: nothing, or (with overwrite) a casacore table nobody in this
// process has open.
void checkTarget(const std::string& target, bool overwrite, const std::vector<std::string>& subtables) {
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(target, ec);
  if (!fs::exists(status)) return;
  if (!overwrite) throw std::runtime_error("already exists (pass overwrite: true to replace it)");
  // A link is not followed: the rename would replace the link, not the MS it points to.
  if (fs::is_symlink(status)) throw std::runtime_error("is a symbolic link: not replaced (give the MS's own path)");
  if (!fs::is_directory(status) || !Table::isReadable(target)) throw std::runtime_error("exists and is not a casacore table: not replaced");
  if (Table::isOpened(target)) throw std::runtime_error("is open in this process: close it before replacing it");
  for (const std::string& s : subtables) {
    if (Table::isOpened(s)) throw std::runtime_error("its subtable " + fs::path(s).filename().string() + " is open in this process: close it before replacing the MS");
  }
}

class Staging {
 public:
  explicit Staging(const std::string& target) {
    const fs::path t(target);
    std::string pattern = (t.parent_path() / ("." + t.filename().string() + ".jovial-XXXXXX")).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data())) throw std::runtime_error("cannot write in " + t.parent_path().string() + ": " + errnoText(errno));
    dir_ = buffer.data();
  }
  ~Staging() {
    std::error_code ec;
    if (!keep_) fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }
  // For when the folder holds the only copy of the old MS.
  void keep() { keep_ = true; }

 private:
  std::string dir_;
  bool keep_ = false;
};

void moveIntoPlace(const std::string& made, const std::string& target, bool overwrite, Staging& staging) {
  std::vector<std::string> subtables = subtablePaths(target);
  std::vector<std::string> paths = subtables;
  paths.push_back(target);
  TableLocks locks(paths);
  checkTarget(target, overwrite, subtables);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(target, ec))) {
    if (std::rename(made.c_str(), target.c_str()) != 0) throw std::runtime_error("cannot move the new MS into place: " + errnoText(errno));
    return;
  }
  // The old MS moves aside into the staging folder (removed with it), and comes back if the new one
  // cannot take its place.
  const std::string previous = staging.path("previous");
  if (std::rename(target.c_str(), previous.c_str()) != 0) throw std::runtime_error("cannot move the old MS aside: " + errnoText(errno));
  if (std::rename(made.c_str(), target.c_str()) != 0) {
    const std::string cause = "cannot move the new MS into place: " + errnoText(errno);
    if (std::rename(previous.c_str(), target.c_str()) != 0) {
      staging.keep();
      throw std::runtime_error(cause + "; the old MS could not be moved back either and is kept at " + previous);
    }
    throw std::runtime_error(cause);
  }
}

std::string absolutePath(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec) return path;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

// ---------------------------------------------------------------------------------------------
// The worker

class CreateMsWorker : public jovial::PromiseWorker {
 public:
  CreateMsWorker(Napi::Env env, std::string path, MsSpec spec, bool overwrite)
      : PromiseWorker(env, "jovial_casa.createMeasurementSet", path), path_(std::move(path)), target_(absolutePath(path_)), spec_(std::move(spec)), overwrite_(overwrite) {}

 protected:
  void Run() override {
    {
      // Fail before writing anything when the target could not be replaced anyway.
      std::vector<std::string> subtables = subtablePaths(target_);
      std::vector<std::string> paths = subtables;
      paths.push_back(target_);
      TableLocks locks(paths);
      checkTarget(target_, overwrite_, subtables);
    }
    Staging staging(target_);
    if (spec_.fromScans) expandScans(spec_);
    if (!spec_.rows.hasUvw && spec_.rows.size() > 0) UvwCalculator(spec_).fill(spec_.rows);
    const std::string made = staging.path(fs::path(target_).filename().string());
    {
      std::lock_guard<std::mutex> lock(tableMutex(made));
      writeMeasurementSet(made, spec_, spec_.rows);
    }
    moveIntoPlace(made, target_, overwrite_, staging);
    nrows_ = spec_.rows.size();
  }

  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = Napi::Object::New(env);
    result.Set("path", Napi::String::New(env, path_));
    result.Set("nrows", Napi::Number::New(env, static_cast<double>(nrows_)));
    return result;
  }

 private:
  std::string path_, target_;
  MsSpec spec_;
  bool overwrite_;
  uint64_t nrows_ = 0;
};

Napi::Value CreateMeasurementSet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString() || info[0].As<Napi::String>().Utf8Value().empty()) {
    return rejected(env, Napi::TypeError::New(env, "createMeasurementSet: path must be a non-empty string"));
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  return promised(env, path, [&]() -> Napi::Value {
    MsSpec spec;
    bool overwrite = false;
    try {
      spec = readSpec(info.Length() > 1 ? info[1] : env.Undefined());
      if (info.Length() > 2 && !absent(info[2])) overwrite = boolAt(objectAt(info[2], "options").Get("overwrite"), "options.overwrite", false);
    } catch (const SpecError& e) {
      const std::string message = path + ": " + e.message;
      if (e.range) throw Napi::RangeError::New(env, message);
      throw Napi::TypeError::New(env, message);
    }
    return (new CreateMsWorker(env, path, std::move(spec), overwrite))->Start();
  });
}

}  // namespace

void initMsWriter(Napi::Env env, Napi::Object exports) {
  exports.Set("createMeasurementSet", Napi::Function::New(env, CreateMeasurementSet, "createMeasurementSet"));
}

}  // namespace jovialcasa
