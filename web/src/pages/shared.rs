//! The caller's share links: what each opens, its options and downloads,
//! and Revoke (after a confirmation).

use std::rc::Rc;

use strongroom_shared::Share;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::clock;
use crate::components::{Alert, RevokeDialog, ShareTable, Spinner};
use crate::hooks::use_submit;
use crate::route::Route;
use crate::services::{ApiError, shares};

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Failed(ApiError),
    Ready(Rc<Vec<Share>>),
}

#[function_component(Shared)]
pub fn shared() -> Html {
    let load = use_state(|| Load::Loading);
    let reloads = use_state(|| 0_u32);
    let revoking = use_state(|| None::<Share>);
    let submit = use_submit();
    {
        let load = load.clone();
        use_effect_with(*reloads, move |_| {
            yew::platform::spawn_local(async move {
                load.set(match shares::list().await {
                    Ok(list) => Load::Ready(Rc::new(list.items)),
                    Err(error) => Load::Failed(error),
                });
            });
        });
    }
    let on_revoke = {
        let (revoking, submit) = (revoking.clone(), submit.clone());
        Callback::from(move |share: Share| {
            submit.reset();
            revoking.set(Some(share));
        })
    };
    let on_close = {
        let revoking = revoking.clone();
        Callback::from(move |()| revoking.set(None))
    };
    let dialog = (*revoking).clone().map(|share| {
        let on_confirm = {
            let (submit, revoking, reloads, id) =
                (submit.clone(), revoking.clone(), reloads.clone(), share.id);
            Callback::from(move |()| {
                let (revoking, reloads) = (revoking.clone(), reloads.clone());
                submit.run(shares::revoke(id), move |()| {
                    revoking.set(None);
                    reloads.set(reloads.wrapping_add(1));
                });
            })
        };
        html! {
            <RevokeDialog {share} busy={submit.busy()} error={submit.error()} {on_confirm} {on_close} />
        }
    });
    let body = match &*load {
        Load::Loading => html! { <Spinner /> },
        Load::Failed(error) => html! { <Alert message={error.message()} /> },
        Load::Ready(items) if items.is_empty() => html! {
            <div class="empty" id="shares-empty">
                <p><strong>{ "You have no share links." }</strong></p>
                <p>
                    { "Use “Share” beside a file or folder in " }
                    <Link<Route> to={Route::Files}>{ "your files" }</Link<Route>>
                    { " to make a link anyone can open." }
                </p>
            </div>
        },
        Load::Ready(items) => html! {
            <ShareTable items={Rc::clone(items)} {on_revoke} now={clock::now()} zone={clock::zone()} />
        },
    };
    html! {
        <div class="shared" id="shared-page">
            <div class="toolbar"><h1>{ "Shared" }</h1></div>
            <p class="aside">
                { "Links you have made. Each works until it expires, runs out of downloads or you revoke it. \
                   A link is shown only when it is made: to hand it out again, make a new one." }
            </p>
            { body }
            { for dialog }
        </div>
    }
}
