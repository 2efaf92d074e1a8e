// createMeasurementSet(path, spec, { overwrite }) (addon jovial_casa; ms-*.cc): a new MeasurementSet written with casacore's own MS
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
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common.h"

namespace jovialcasa {
namespace mswriter {

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
// Reading the description (ms-spec.cc): each error names the parameter (spectralWindows[1].chanWidth, ...)

struct SpecError {
  bool range;  // RangeError (a value out of range) rather than TypeError (a value of the wrong kind)
  std::string message;
};

// The description, checked; throws SpecError.
MsSpec readSpec(const Napi::Value& v);
bool absent(const Napi::Value& v);
Napi::Object objectAt(const Napi::Value& v, const std::string& name);
bool boolAt(const Napi::Value& v, const std::string& name, bool fallback);

// ---------------------------------------------------------------------------------------------
// In the worker

// The main-table rows of the scans (ms-rows.cc).
void expandScans(MsSpec& spec);
// Each row's UVW from the antenna positions (ms-rows.cc).
void computeUvw(MsSpec& spec);
// The MS at `path`, in the staging folder (ms-write.cc).
void writeMeasurementSet(const std::string& path, const MsSpec& spec, const Rows& rows);

}  // namespace mswriter
}  // namespace jovialcasa
