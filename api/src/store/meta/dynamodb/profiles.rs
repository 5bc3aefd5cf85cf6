//! Sealed emails and display names on DynamoDB: at connection, the key
//! check (the table belongs to these keys) and, until it says `sealed`, the
//! migration of profiles stored in clear, one transaction per user.

use uuid::Uuid;

use super::DynamoMetaStore;
use super::expr::{self, Ex, Item, Reader, b, key, n, s};
use super::items::{self, EMAIL, KEY_CHECK, PROFILE};
use crate::store::StoreError;
use crate::store::meta::sealed;

impl DynamoMetaStore {
    /// Checks the table's key check, then seals every profile still stored
    /// in clear and records that none is left, so that later starts skip the
    /// scan. Run again after an interruption, it finishes the job.
    pub(super) async fn seal_profiles(&self) -> Result<(), StoreError> {
        let check = self.get(KEY_CHECK.to_owned(), KEY_CHECK).await?;
        if let Some(item) = &check {
            let r = Reader::new(item, "key check");
            sealed::check_secret(&self.keys, &r.bytes("value")?)?;
            if r.flag("sealed")? {
                return Ok(());
            }
        }
        // The table is claimed for these keys before anything is sealed with them.
        let value = self.keys.key_check();
        let mut claim = key(KEY_CHECK.to_owned(), KEY_CHECK);
        claim.extend([
            ("type".to_owned(), s("key_check")),
            ("value".to_owned(), b(&value)),
        ]);
        let ours = Ex::new()
            .cond("attribute_not_exists(#PK) OR #value = :value")
            .name("PK")
            .name("value")
            .value(":value", b(&value));
        if !self.put_one(claim, ours).await? {
            return Err(StoreError::ForeignSecret);
        }
        let mut count = 0usize;
        for profile in self.scan_sort_key(PROFILE).await? {
            if profile.contains_key("email") {
                self.seal_profile(&profile).await?;
                count += 1;
            }
        }
        if count > 0 {
            tracing::info!(
                count,
                "sealed the emails and display names of accounts stored in clear"
            );
        }
        let done = Ex::new()
            .name("sealed")
            .update("SET #sealed = :one")
            .value(":one", n(1));
        self.update_one(key(KEY_CHECK.to_owned(), KEY_CHECK), done)
            .await?;
        Ok(())
    }

    /// One transaction: the claim keyed by the email's index, the claim
    /// keyed by the email gone, the profile sealed with its clear fields
    /// removed (only if they are still there: another instance may have
    /// done it meanwhile).
    async fn seal_profile(&self, profile: &Item) -> Result<(), StoreError> {
        let r = Reader::new(profile, "user");
        let id = r.uuid("id")?;
        let email = r.s("email")?;
        let sealed = sealed::seal(&self.keys, id, email, r.opt_s("display_name")?);
        let table = &self.table;
        let claim = items::claim_item(
            key(items::email_pk(&sealed.email_index), EMAIL),
            "email",
            "user_id",
            id,
        );
        let mut update = Ex::new()
            .cond("#email = :email")
            .name("email")
            .name("display_name")
            .name("email_index")
            .name("email_ct")
            .value(":email", s(email))
            .value(":email_index", b(&sealed.email_index))
            .value(":email_ct", b(&sealed.email_ct));
        let mut sets = "#email_index = :email_index, #email_ct = :email_ct".to_owned();
        if let Some(name) = &sealed.display_name_ct {
            update = update
                .name("display_name_ct")
                .value(":display_name_ct", b(name));
            sets.push_str(", #display_name_ct = :display_name_ct");
        }
        let update = update.update(format!("SET {sets} REMOVE #email, #display_name"));
        let ops = vec![
            expr::put(table, claim, claimed_by(id))?,
            expr::delete(table, key(items::legacy_email_pk(email), EMAIL), Ex::new())?,
            expr::update(table, items::profile_key(id), update)?,
        ];
        match self.transact(ops).await? {
            Ok(()) => Ok(()),
            // Sealed by another instance meanwhile.
            Err(failed) if failed.get(2) == Some(&true) => Ok(()),
            Err(_) => Err(StoreError::Corrupt(format!(
                "the email of user {id} is claimed by another account"
            ))),
        }
    }
}

/// The claim is new, or already this user's (an earlier attempt).
fn claimed_by(id: Uuid) -> Ex {
    Ex::new()
        .cond("attribute_not_exists(#PK) OR #user_id = :user_id")
        .name("PK")
        .name("user_id")
        .value(":user_id", s(id.to_string()))
}
