//! Phase 4 tests (being written).
