// The citywatch command: everything happens in app::run so tests can drive it in-process.
#include "app/cli.h"

int main(int argc, char** argv) { return citywatch::app::run(argc, argv); }
