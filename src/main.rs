//! The `reach` binary: all behaviour lives in the library and `cli`.

mod cli;

/// mimalloc (without transparent huge pages): about a fifth of a walk's
/// time and of a load's was glibc's malloc and free (ARCHITECTURE.md,
/// decisions).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
