"""GB/T 20999-2017 face of the shared signal engine: a simulated controller on TCP and UDP."""
