//! The one wangban binary.
fn main() {}
