//! `reach fetch`: a live snapshot through aws-sdk-ec2, written as the AWS CLI
//! JSON layout `--snapshot` reads (one file per call, `describe-*.json`, the
//! project's wrappers for prefix-list entries and transit gateway route
//! tables, several regions in subfolders) with a `reach-fetch.json` manifest.
//!
//! IO like `ingest`: it calls the EC2 API and writes files, and knows nothing
//! of the model or the engine. `calls.rs`: every call, paginated and bounded;
//! `convert/`: the SDK's types as the CLI prints them; `manifest.rs`: what was
//! asked, how many items came back, what was denied.

mod calls;
mod convert;
mod error;
mod manifest;

use std::io::IsTerminal;
use std::path::PathBuf;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub use error::FetchError;
pub use manifest::{MANIFEST_FILE, RegionReport};

/// What `reach fetch` was asked.
#[derive(Clone, Debug)]
pub struct Options {
    pub regions: Vec<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    /// The SDK's adaptive retry mode (client-side rate limiting) instead of standard.
    pub adaptive_retry: bool,
    pub out: PathBuf,
    /// Calls in flight at once, per region.
    pub concurrency: usize,
    /// Draw a progress bar (on standard error, only when it is a terminal).
    pub progress: bool,
}

/// Fetches every region in turn and writes its snapshot.
pub fn fetch(opts: &Options) -> Result<Vec<RegionReport>, FetchError> {
    if opts.regions.is_empty() {
        return Err(FetchError::NoRegion);
    }
    for r in &opts.regions {
        let ok = !r.is_empty()
            && r.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(FetchError::BadRegion(r.clone()));
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(FetchError::Runtime)?;
    rt.block_on(async {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            if opts.adaptive_retry {
                RetryConfig::adaptive()
            } else {
                RetryConfig::standard()
            }
            .with_max_attempts(5),
        );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(u) = &opts.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        let shared = loader.load().await;
        // Every region is fetched before anything is written: a failure
        // leaves no partial snapshot behind.
        let mut fetched = Vec::new();
        for region in &opts.regions {
            fetched.push((region, fetch_region(&shared, region, opts).await?));
        }
        let several = opts.regions.len() > 1;
        let mut out = Vec::new();
        for (region, (account, collected)) in fetched {
            let dir = if several {
                opts.out.join(region)
            } else {
                opts.out.clone()
            };
            out.push(manifest::write(&dir, region, account, collected)?);
        }
        Ok(out)
    })
}

/// One region's calls: the account and what was collected.
async fn fetch_region(
    shared: &aws_config::SdkConfig,
    region: &str,
    opts: &Options,
) -> Result<(Option<String>, calls::Collected), FetchError> {
    let region_v = aws_config::Region::new(region.to_owned());
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(shared)
            .region(region_v.clone())
            .build(),
    );
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(shared)
            .region(region_v)
            .build(),
    );
    let bar = if opts.progress && std::io::stderr().is_terminal() {
        let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} {prefix} [{bar:30}] {pos}/{len} calls {wide_msg}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b.set_prefix(region.to_owned());
        b
    } else {
        ProgressBar::hidden()
    };
    let cx = calls::Cx::new(ec2, opts.concurrency.max(1), bar.clone());
    let account = calls::account(&sts).await;
    let collected = calls::run_all(&cx).await;
    bar.finish_and_clear();
    let mut collected = std::mem::take(&mut *collected.lock().unwrap_or_else(|p| p.into_inner()));
    if let Some((call, message)) = collected.fatal.take() {
        return Err(FetchError::Call {
            call,
            region: region.to_owned(),
            message,
        });
    }
    Ok((account, collected))
}
