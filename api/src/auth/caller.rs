//! Who a request comes from, once its access token is verified: the user, the
//! session, and the user's master key unwrapped from the token.

use uuid::Uuid;

use crate::crypto::keys::Umk;

pub struct Caller {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub umk: Umk,
}
