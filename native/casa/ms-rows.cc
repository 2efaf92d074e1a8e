// Main-table rows from scans, and UVW from the antenna positions (in the worker).
#include <casacore/casa/Quanta/MVBaseline.h>
#include <casacore/casa/Quanta/MVDirection.h>
#include <casacore/casa/Quanta/MVPosition.h>
#include <casacore/casa/Quanta/MVuvw.h>
#include <casacore/casa/Quanta/Quantum.h>
#include <casacore/measures/Measures/MBaseline.h>
#include <casacore/measures/Measures/MCBaseline.h>
#include <casacore/measures/Measures/MCPosition.h>
#include <casacore/measures/Measures/MDirection.h>
#include <casacore/measures/Measures/MEpoch.h>
#include <casacore/measures/Measures/MPosition.h>
#include <casacore/measures/Measures/MeasConvert.h>
#include <casacore/measures/Measures/MeasFrame.h>
#include <casacore/measures/Measures/MeasTable.h>

#include <limits>

#include "ms-writer.h"

namespace jovialcasa {
namespace mswriter {

using namespace casacore;

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

namespace {

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

}  // namespace

void computeUvw(MsSpec& spec) { UvwCalculator(spec).fill(spec.rows); }

}  // namespace mswriter
}  // namespace jovialcasa
