// SUMSL's step assessment (PDA_ASSST): whether to accept the step, how to
// change the trust radius, and the convergence tests.
#include <algorithm>
#include <cmath>

#include "sumsl-internal.h"

namespace sumsl {

void Minimiser::assst() {
  int nfc = iv_[NFCALL];
  iv_[SWITCH] = 0;
  iv_[RESTOR] = 0;
  double rfac1 = 1.0;
  bool goodx = true;
  int i = iv_[IRC];
  double emax = 0, emaxs = 0, gts, xmax;
  switch (i) {
    case 1:
      goto L20;
    case 2:
      goto L30;
    case 3:
    case 4:
      goto L10;
    case 5:
      goto L40;
    case 6:
      goto L280;
    case 7:
    case 8:
    case 9:
    case 10:
    case 11:
      goto L220;
    case 12:
      goto L170;
    default:
      iv_[IRC] = 13;
      return;
  }
L10:
  iv_[STAGE] = 1;
  iv_[RADINC] = 0;
  v_[FLSTGD] = v_[F0];
  if (iv_[TOOBIG] == 0) goto L110;
  iv_[STAGE] = -1;
  iv_[XIRC] = i;
  goto L60;
L20:
  if (iv_[MODEL] != iv_[MLSTGD]) goto L30;
  iv_[STAGE] = iv_[STGLIM];
  iv_[RADINC] = -1;
  goto L110;
L30:
  iv_[STAGE] += 1;
L40:
  if (iv_[STAGE] > 0) goto L50;
  if (iv_[TOOBIG] != 0) goto L60;
  iv_[STAGE] = -iv_[STAGE];
  i = iv_[XIRC];
  switch (i) {
    case 1:
      goto L20;
    case 2:
      goto L30;
    case 3:
    case 4:
      goto L110;
    case 5:
      goto L70;
    default:
      break;
  }
L50:
  if (iv_[TOOBIG] == 0) goto L70;
  if (iv_[RADINC] > 0) goto L80;
  iv_[STAGE] = -iv_[STAGE];
  iv_[XIRC] = iv_[IRC];
L60:
  v_[RADFAC] = v_[DECFAC];
  iv_[RADINC] -= 1;
  iv_[IRC] = 5;
  iv_[RESTOR] = 1;
  return;
L70:
  if (v_[F] < v_[FLSTGD]) goto L110;
  if (iv_[MODEL] == iv_[MLSTGD]) goto L80;
  iv_[MODEL] = iv_[MLSTGD];
  iv_[SWITCH] = 1;
L80:
  if (v_[FLSTGD] >= v_[F0]) goto L110;
  iv_[RESTOR] = 1;
  v_[F] = v_[FLSTGD];
  v_[PREDUC] = v_[PLSTGD];
  v_[GTSTEP] = v_[GTSLST];
  if (iv_[SWITCH] == 0) rfac1 = v_[DSTNRM] / v_[DSTSAV];
  v_[DSTNRM] = v_[DSTSAV];
  nfc = iv_[NFGCAL];
  goodx = false;
L110:
  v_[FDIF] = v_[F0] - v_[F];
  if (v_[FDIF] > v_[TUNER2] * v_[PREDUC]) goto L140;
  if (iv_[RADINC] > 0) goto L140;
  if (v_[F] < v_[F0]) goto L120;
  iv_[MLSTGD] = iv_[MODEL];
  v_[FLSTGD] = v_[F];
  v_[F] = v_[F0];
  iv_[RESTOR] = 1;
  goto L130;
L120:
  iv_[NFGCAL] = nfc;
L130:
  iv_[IRC] = 1;
  if (iv_[STAGE] < iv_[STGLIM]) goto L160;
  iv_[IRC] = 5;
  iv_[RADINC] -= 1;
  goto L160;
L140:
  iv_[NFGCAL] = nfc;
  rfac1 = 1.0;
  v_[DSTSAV] = v_[DSTNRM];
  if (v_[FDIF] > v_[PREDUC] * v_[TUNER1]) goto L190;
  if (iv_[STAGE] >= iv_[STGLIM]) goto L150;
  iv_[IRC] = 2;
  goto L160;
L150:
  iv_[IRC] = 4;
L160:
  iv_[XIRC] = iv_[IRC];
  emax = v_[GTSTEP] + v_[FDIF];
  v_[RADFAC] = 0.5 * rfac1;
  if (emax < v_[GTSTEP]) v_[RADFAC] = rfac1 * std::max(v_[RDFCMN], 0.5 * v_[GTSTEP] / emax);
L170:
  if (v_[RELDX] <= v_[XFTOL]) goto L180;
  iv_[IRC] = iv_[XIRC];
  if (v_[F] < v_[F0]) goto L200;
  goto L230;
L180:
  iv_[IRC] = 12;
  goto L240;
L190:
  if (v_[FDIF] < (-v_[TUNER3] * v_[GTSTEP])) goto L210;
  if (iv_[RADINC] < 0) goto L210;
  if (iv_[RESTOR] == 1) goto L210;
  v_[RADFAC] = v_[RDFCMX];
  gts = v_[GTSTEP];
  if (v_[FDIF] < (0.5 / v_[RADFAC] - 1.0) * gts) v_[RADFAC] = std::max(v_[INCFAC], 0.5 * gts / (gts + v_[FDIF]));
  iv_[IRC] = 4;
  if (v_[STPPAR] == 0) goto L230;
  if (v_[DST0] >= 0 && (v_[DST0] < 2 * v_[DSTNRM] || v_[NREDUC] < 1.2 * v_[FDIF])) goto L230;
  iv_[IRC] = 5;
  iv_[RADINC] += 1;
L200:
  v_[FLSTGD] = v_[F];
  iv_[MLSTGD] = iv_[MODEL];
  if (iv_[RESTOR] != 1) iv_[RESTOR] = 2;
  v_[DSTSAV] = v_[DSTNRM];
  iv_[NFGCAL] = nfc;
  v_[PLSTGD] = v_[PREDUC];
  v_[GTSLST] = v_[GTSTEP];
  goto L230;
L210:
  v_[RADFAC] = 1.0;
  iv_[IRC] = 3;
  goto L230;
L220:
  iv_[IRC] = iv_[XIRC];
  if (v_[DSTSAV] >= 0) goto L240;
  iv_[IRC] = 12;
  goto L240;
L230:
  iv_[XIRC] = iv_[IRC];
L240:
  if (iv_[RESTOR] == 1 && v_[FLSTGD] < v_[F0]) iv_[RESTOR] = 3;
  if (std::fabs(v_[F]) < v_[AFCTOL]) iv_[IRC] = 10;
  if (0.5 * v_[FDIF] > v_[PREDUC]) return;
  emax = v_[RFCTOL] * std::fabs(v_[F0]);
  emaxs = v_[SCTOL] * std::fabs(v_[F0]);
  if (v_[DSTNRM] > v_[LMAXS] && v_[PREDUC] <= emaxs) iv_[IRC] = 11;
  if (v_[DST0] < 0) goto L250;
  i = 0;
  if ((v_[NREDUC] > 0 && v_[NREDUC] <= emax) || (v_[NREDUC] == 0 && v_[PREDUC] == 0)) i = 2;
  if (v_[STPPAR] == 0 && v_[RELDX] <= v_[XCTOL] && goodx) i += 1;
  if (i > 0) iv_[IRC] = i + 6;
L250:
  if (iv_[IRC] > 5 && iv_[IRC] != 12) return;
  if (v_[DSTNRM] > v_[LMAXS]) goto L260;
  if (v_[PREDUC] >= emaxs) return;
  if (v_[DST0] <= 0) goto L270;
  if (0.5 * v_[DST0] <= v_[LMAXS]) return;
  goto L270;
L260:
  if (0.5 * v_[DSTNRM] <= v_[LMAXS]) return;
  xmax = v_[LMAXS] / v_[DSTNRM];
  if (xmax * (2.0 - xmax) * v_[PREDUC] >= emaxs) return;
L270:
  if (v_[NREDUC] < 0) goto L290;
  v_[GTSLST] = v_[GTSTEP];
  v_[DSTSAV] = v_[DSTNRM];
  if (iv_[IRC] == 12) v_[DSTSAV] = -v_[DSTSAV];
  v_[PLSTGD] = v_[PREDUC];
  i = iv_[RESTOR];
  iv_[RESTOR] = 2;
  if (i == 3) iv_[RESTOR] = 0;
  iv_[IRC] = 6;
  return;
L280:
  v_[GTSTEP] = v_[GTSLST];
  v_[DSTNRM] = std::fabs(v_[DSTSAV]);
  iv_[IRC] = iv_[XIRC];
  if (v_[DSTSAV] <= 0) iv_[IRC] = 12;
  v_[NREDUC] = -v_[PREDUC];
  v_[PREDUC] = v_[PLSTGD];
  iv_[RESTOR] = 3;
L290:
  if (-v_[NREDUC] <= v_[RFCTOL] * std::fabs(v_[F0])) iv_[IRC] = 11;
}

}  // namespace sumsl
