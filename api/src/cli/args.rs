//! What `strongroom admin` takes, as clap derives it: the help text of each
//! command is its doc comment.

use clap::{Args, Subcommand};

use super::values::{self, Validity};

#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Invite codes, for a server with `signup = "invite"`
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Accounts: list, disable, enable, set quotas, delete
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Make an invite code for one sign-up, and print it (it is shown only this once)
    Create {
        /// How long the code works, e.g. 12h, 7d, 2w (at most 365 days)
        #[arg(long, value_name = "DURATION", default_value = "7d", value_parser = values::validity)]
        expires_in: Validity,
        #[command(flatten)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Every account, oldest first: email, created, usage, quota, disabled
    List {
        #[command(flatten)]
        format: Format,
    },
    /// Stop an account from logging in or refreshing; its sessions end at once
    Disable {
        /// The account's email
        email: String,
    },
    /// Let a disabled account log in again
    Enable {
        /// The account's email
        email: String,
    },
    /// Set how much an account may store, e.g. 10GiB, 500MB or 1073741824 (bytes)
    SetQuota {
        /// The account's email
        email: String,
        /// 10GiB and 1.5TiB count in 1024s, 500MB in 1000s, a plain number in bytes
        #[arg(value_name = "SIZE", value_parser = values::quota)]
        size: u64,
    },
    /// Delete an account and every file of it, for good
    Delete {
        /// The account's email
        email: String,
        /// Delete without asking (needed when there is no terminal to ask on)
        #[arg(long, short)]
        yes: bool,
    },
}

/// Output for people (the default) or for programs.
#[derive(Debug, Clone, Copy, Args)]
pub struct Format {
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Load the configuration as the server would, open the stores, and print
    /// what it would serve and every warning; exit 1 on an error (nothing is created)
    Check {
        /// Warnings fail the check too (exit 1)
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        format: Format,
    },
}
