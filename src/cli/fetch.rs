//! `reach fetch`: a live snapshot through the EC2 API (feature `fetch`).

use std::path::PathBuf;

use anyhow::Result;

use reach::engine::Verdict;

#[derive(clap::Args, Debug)]
pub(super) struct FetchArgs {
    /// The regions to fetch, comma-separated (several: one subfolder each).
    #[arg(long, value_name = "REGION", value_delimiter = ',', required = true)]
    region: Vec<String>,
    /// A named profile of the shared AWS config and credentials files
    /// (else the standard chain: environment, files, web identity, ECS, IMDSv2).
    #[arg(long, value_name = "PROFILE")]
    profile: Option<String>,
    /// Another EC2 endpoint (an emulator, a VPC endpoint).
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// The SDK's adaptive retry mode (client-side rate limiting) instead of standard.
    #[arg(long)]
    adaptive_retry: bool,
    /// Calls in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
    /// The folder to write the snapshot to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Exit 0 when the snapshot is written (denied calls are warnings), 2 on error.
#[cfg(feature = "fetch")]
pub(super) fn run(args: FetchArgs) -> Result<Verdict> {
    use reach::fetch::{Options, fetch};
    let opts = Options {
        regions: args.region,
        profile: args.profile,
        endpoint_url: args.endpoint_url,
        adaptive_retry: args.adaptive_retry,
        out: args.out,
        concurrency: args.concurrency,
        progress: true,
    };
    for r in fetch(&opts)? {
        for w in &r.warnings {
            eprintln!("warning: {}: {w}", r.region);
        }
        let account = r.account.as_deref().unwrap_or("unknown account");
        eprintln!(
            "{}: {account}: {} calls, {} items, {} files, {} warnings -> {}",
            r.region,
            r.calls,
            r.items,
            r.files,
            r.warnings.len(),
            r.dir.display()
        );
    }
    Ok(Verdict::Reachable)
}

#[cfg(not(feature = "fetch"))]
pub(super) fn run(args: FetchArgs) -> Result<Verdict> {
    let _ = args;
    anyhow::bail!("this build has no `reach fetch`: build with `--features fetch`")
}
