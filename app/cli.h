// app/cli.h: the citywatch command line (ARCHITECTURE.md, "Command line"). Parses arguments,
// loads the configuration, sets up logging and runs one command. Returns a sysexits code.
#pragma once

namespace citywatch::app {

int run(int argc, char** argv);

}  // namespace citywatch::app
