#!/usr/bin/env -S node --max-semi-space-size=2
// --max-semi-space-size=2: block data is short-lived; a small young generation
// frees it sooner (faster, lower RSS for bulk transfers). See README, Performance.
import '../dist/src/cli/main.js'
