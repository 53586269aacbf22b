//! The two WebAssembly binding layers. Each translates types and nothing else: no policy.

#[cfg(feature = "component")]
mod component;
#[cfg(feature = "js")]
mod js;
