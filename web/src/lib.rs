//! Strongroom's browser app. Everything that needs no browser (formatting,
//! ordering, paths, request building, problem decoding, upload bookkeeping)
//! is plain Rust and tested natively with `cargo test`.

pub mod app;
pub mod clock;
pub mod components;
pub mod format;
pub mod hooks;
pub mod listing;
pub mod pages;
pub mod route;
pub mod services;
pub mod sharing;
pub mod trash;
pub mod uploads;

/// Mounts the app on the page's body.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
