// Writing the MS with casacore's MS classes (in the staging folder, in the worker).
#include <casacore/casa/Arrays/Array.h>
#include <casacore/casa/Arrays/Matrix.h>
#include <casacore/casa/Arrays/Vector.h>
#include <casacore/casa/BasicSL/Complex.h>
#include <casacore/casa/BasicSL/String.h>
#include <casacore/measures/Measures/Stokes.h>
#include <casacore/ms/MeasurementSets/MSColumns.h>
#include <casacore/ms/MeasurementSets/MeasurementSet.h>
#include <casacore/tables/DataMan/TiledShapeStMan.h>
#include <casacore/tables/Tables/SetupNewTab.h>
#include <casacore/tables/Tables/Table.h>
#include <casacore/tables/Tables/TableDesc.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "ms-writer.h"

namespace jovialcasa {
namespace mswriter {

using namespace casacore;

namespace {

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

}  // namespace

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

}  // namespace mswriter
}  // namespace jovialcasa
