//! The client's address: the socket's peer, or, when that peer is one of the
//! `trusted_proxies`, the address `X-Forwarded-For` names: walking it from
//! the right (each proxy appends what it saw), the first that is not itself a
//! trusted proxy. Anyone else's `X-Forwarded-For` is ignored, so a client
//! cannot pick its own address.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use ipnet::IpNet;

use crate::error::ApiError;
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequest for ClientAddr {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trusted = req
            .app_data::<web::Data<AppState>>()
            .map(|state| state.config.trusted_proxies.as_slice())
            .unwrap_or_default();
        ready(
            client_addr(req, trusted)
                .map(ClientAddr)
                .ok_or_else(|| ApiError::internal("a request without a peer address")),
        )
    }
}

pub fn client_addr(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok());
    Some(resolve(peer, forwarded, trusted))
}

fn resolve<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).collect();
    for hop in hops.iter().rev() {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(&ip) => continue,
            Ok(ip) => return ip,
            // Garbage in the chain: nothing left of it can be believed.
            Err(_) => return peer,
        }
    }
    peer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter()
            .map(|n| n.parse().unwrap_or_else(|e| panic!("{n}: {e}")))
            .collect()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let trusted = nets(&["10.0.0.0/8", "::1/128"]);
        let xff = |v: &'static str| std::iter::once(v);
        // Not a proxy: its header is a claim anyone can make.
        assert_eq!(
            resolve(ip("203.0.113.9"), xff("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        // Behind a proxy: the client it saw.
        assert_eq!(
            resolve(ip("10.0.0.2"), xff("198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // A client's own spoofed entry stays to the left of what the proxy appended.
        assert_eq!(
            resolve(ip("10.0.0.2"), xff("6.6.6.6, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // Chains of trusted proxies are walked through.
        assert_eq!(
            resolve(ip("::1"), xff("198.51.100.7, 10.1.1.1"), &trusted),
            ip("198.51.100.7")
        );
        // Garbage or nothing: the peer.
        assert_eq!(
            resolve(ip("10.0.0.2"), xff("nonsense"), &trusted),
            ip("10.0.0.2")
        );
        assert_eq!(
            resolve(ip("10.0.0.2"), std::iter::empty(), &trusted),
            ip("10.0.0.2")
        );
    }
}
