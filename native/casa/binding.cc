// The casacore addon: casacore's images, tables, TaQL, measures and new MeasurementSets for casa-bridge.
#include <casacore/casa/version.h>

#include "common.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("casacoreVersion", Napi::String::New(env, casacore::getVersion()));
  jovialcasa::initLogging(env, exports);
  jovialcasa::initImages(env, exports);
  jovialcasa::initTables(env, exports);
  jovialcasa::initMeasures(env, exports);
  jovialcasa::initMsWriter(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(jovial_casa, Init)
