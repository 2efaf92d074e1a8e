// Internal: CUPID's two cellular automata over 3^n neighbourhoods (in-bounds
// pixels only), used by FellWalker (§2.2 steps 2 and 5) and usable by Reinhold.
#pragma once

#include <cstdint>
#include <vector>

#include "grid.h"

namespace cupid {
namespace detail {

// cupidRCA with on = 0, off = -1: a pixel that is 0 stays 0 only if the
// fraction of 0s in its box (single precision, as CUPID) exceeds `frac`;
// everything else becomes -1.
void removeIsolated(const Grid& g, const Labels& in, Labels& out, double frac);

// cupidRCA2: each pixel takes the most frequent value in its box, ties going
// to the value met first in scan order. Returns whether any pixel changed.
bool majorityFilter(const Grid& g, const Labels& in, Labels& out);

}  // namespace detail
}  // namespace cupid
