#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "cupid.h"

namespace cupid {
namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool parseNumber(const std::string& text, double& out) {
  std::string t = trim(text);
  if (t.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(t.c_str(), &end);
  return errno == 0 && end && *end == '\0' && std::isfinite(out);
}

// %.17g would print 0.1 as 0.10000000000000001; CUPID prints the shortest form.
std::string format(double v) {
  for (int precision = 6; precision <= 17; ++precision) {
    std::ostringstream s;
    s.precision(precision);
    s << v;
    if (std::strtod(s.str().c_str(), nullptr) == v) return s.str();
  }
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

const char* const kAlgorithms[] = {"FELLWALKER", "CLUMPFIND", "REINHOLD", "GAUSSCLUMPS"};

}  // namespace

Config::Config(std::string algorithm, const std::map<std::string, std::string>& supplied)
    : algorithm_(upper(std::move(algorithm))) {
  for (const auto& [key, value] : supplied) {
    std::string name = upper(trim(key));
    auto dot = name.find('.');
    if (dot != std::string::npos) {
      std::string prefix = name.substr(0, dot);
      bool known = std::find(std::begin(kAlgorithms), std::end(kAlgorithms), prefix) != std::end(kAlgorithms);
      if (!known) throw Error("configuration key \"" + key + "\": unknown algorithm \"" + key.substr(0, dot) + "\"");
      // Another algorithm's settings are ignored, as FINDCLUMPS does with a shared config file.
      if (prefix != algorithm_) continue;
      name = name.substr(dot + 1);
    }
    if (name.empty()) throw Error("configuration key \"" + key + "\" has no parameter name");
    supplied_[name] = trim(value);
    used_[name] = false;
  }
}

const std::string* Config::find(const std::string& name) {
  auto it = supplied_.find(name);
  if (it == supplied_.end()) return nullptr;
  used_[name] = true;
  return &it->second;
}

bool Config::has(const std::string& name) const { return supplied_.count(upper(name)) != 0; }

double Config::number(const std::string& name, double fallback) {
  std::string key = upper(name);
  double v = fallback;
  if (const std::string* text = find(key)) {
    if (!parseNumber(*text, v))
      throw Error(algorithm_ + "." + name + " = \"" + *text + "\" is not a number");
  }
  resolved_[key] = format(v);
  return v;
}

double Config::rmsValue(const std::string& name, double fallback, double rms) {
  std::string key = upper(name);
  double v = fallback;
  if (const std::string* text = find(key)) {
    std::string t = upper(trim(*text));
    std::string compact;
    for (char c : t)
      if (c != ' ' && c != '\t') compact += c;
    if (compact == "RMS") {
      v = rms;
    } else if (compact.size() > 4 && compact.compare(compact.size() - 4, 4, "*RMS") == 0) {
      double factor;
      if (!parseNumber(compact.substr(0, compact.size() - 4), factor))
        throw Error(algorithm_ + "." + name + " = \"" + *text + "\": expected a number, RMS or x*RMS");
      v = factor * rms;
    } else if (!parseNumber(compact, v)) {
      throw Error(algorithm_ + "." + name + " = \"" + *text + "\": expected a number, RMS or x*RMS");
    }
  }
  resolved_[key] = format(v);
  return v;
}

long Config::integer(const std::string& name, long fallback) {
  std::string key = upper(name);
  long v = fallback;
  if (const std::string* text = find(key)) {
    double d;
    if (!parseNumber(*text, d) || d != std::floor(d) || std::fabs(d) > 2e9)
      throw Error(algorithm_ + "." + name + " = \"" + *text + "\" is not an integer");
    v = static_cast<long>(d);
  }
  resolved_[key] = std::to_string(v);
  return v;
}

void Config::setResolved(const std::string& name, const std::string& value) { resolved_[upper(name)] = value; }

std::vector<std::string> Config::unused() const {
  std::vector<std::string> out;
  for (const auto& [name, used] : used_)
    if (!used) out.push_back(name);
  return out;
}

}  // namespace cupid
