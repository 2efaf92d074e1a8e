// GaussClumps' starting point for one fit (gaussclumps-guess.cc).
#pragma once

#include <cstddef>
#include <vector>

#include "gaussclumps-objective.h"

namespace cupid {
namespace gaussclumps {

// Sets `obj`'s section (bounds, data in units of the RMS, weights) around
// the residual peak at flat index `imax`, and `par` to the initial guess
// (cupidGCSetInit). `res` holds the residuals, NaN where bad.
void initialGuess(const std::vector<double>& res, int ndim, const long dims[3], std::size_t imax, double rms,
                  const Settings& s, Objective& obj, Params& par);

}  // namespace gaussclumps
}  // namespace cupid
