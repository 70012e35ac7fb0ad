// libyaml, the YAML 1.1 parser and emitter (Debian: libyaml-dev), for the configuration loader.
#include <yaml.h>
