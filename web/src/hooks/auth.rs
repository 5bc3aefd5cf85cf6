//! Who is signed in, shared through a context; pages change it only through
//! the intent methods of [`Auth`].

use std::rc::Rc;

use strongroom_shared::UserProfile;
use yew::prelude::*;

use crate::services::{auth, session};

#[derive(Clone, Debug, PartialEq)]
pub enum Session {
    /// Start-up: asking the server whether the session cookie still holds.
    Checking,
    SignedOut {
        /// Why, when it was not the user's own doing.
        notice: Option<AttrValue>,
    },
    SignedIn(Rc<UserProfile>),
}

#[derive(Clone, PartialEq)]
pub struct Auth {
    state: UseStateHandle<Session>,
}

impl Auth {
    pub fn session(&self) -> &Session {
        &self.state
    }

    pub fn user(&self) -> Option<Rc<UserProfile>> {
        match &*self.state {
            Session::SignedIn(user) => Some(Rc::clone(user)),
            _ => None,
        }
    }

    pub fn signed_in(&self, user: UserProfile) {
        self.state.set(Session::SignedIn(Rc::new(user)));
    }

    /// Logs out on the server, then here.
    pub fn logout(&self) {
        let state = self.state.clone();
        yew::platform::spawn_local(async move {
            auth::logout().await;
            state.set(Session::SignedOut { notice: None });
        });
    }

    /// The account is gone (deleted): nothing to log out from.
    pub fn forget(&self, notice: &str) {
        session::set_access_token(None);
        self.state.set(Session::SignedOut {
            notice: Some(AttrValue::from(notice.to_owned())),
        });
    }

    /// Re-reads the profile (usage changes after uploads and deletes).
    pub fn reload(&self) {
        let state = self.state.clone();
        yew::platform::spawn_local(async move {
            if let Ok(user) = auth::me().await {
                state.set(Session::SignedIn(Rc::new(user)));
            }
        });
    }
}

#[derive(Properties, PartialEq)]
pub struct AuthProviderProps {
    pub children: Html,
}

/// Resumes the session from its cookie on start-up, and hears when the server
/// ends it later.
#[function_component(AuthProvider)]
pub fn auth_provider(props: &AuthProviderProps) -> Html {
    let state = use_state(|| Session::Checking);
    {
        let state = state.clone();
        use_effect_with((), move |()| {
            let lost = state.clone();
            session::on_session_lost(Callback::from(move |()| {
                lost.set(Session::SignedOut {
                    notice: Some(AttrValue::from(
                        "Your session has ended. Please log in again.",
                    )),
                });
            }));
            yew::platform::spawn_local(async move {
                let next = match auth::resume().await {
                    Ok(Some(user)) => Session::SignedIn(Rc::new(user)),
                    Ok(None) => Session::SignedOut { notice: None },
                    Err(error) => Session::SignedOut {
                        notice: Some(AttrValue::from(error.message())),
                    },
                };
                state.set(next);
            });
        });
    }
    let auth = Auth { state };
    html! {
        <ContextProvider<Auth> context={auth}>
            { props.children.clone() }
        </ContextProvider<Auth>>
    }
}

/// The session context. Every page sits under [`AuthProvider`] (see
/// `app.rs`), so the context is always there.
#[hook]
pub fn use_auth() -> Auth {
    #[allow(clippy::expect_used)]
    use_context::<Auth>().expect("use_auth outside AuthProvider: app.rs wraps every page")
}
