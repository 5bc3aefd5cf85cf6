//! The upload list: one entry per file, driven by actions from the upload
//! tasks and the buttons. A plain reducer, tested natively.

use std::rc::Rc;

use yew::Reducible;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    Queued,
    Sending,
    Done,
    /// Stopped with a message; `name_taken` offers to replace the file.
    Failed {
        message: String,
        name_taken: bool,
    },
    Cancelled,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub id: u64,
    pub name: String,
    pub size: u64,
    pub sent: u64,
    /// `performance.now()` when sending began, for the speed.
    pub started_ms: f64,
    pub now_ms: f64,
    pub status: Status,
}

impl Entry {
    pub fn percent(&self) -> u8 {
        crate::format::percent(self.sent, self.size)
    }

    pub fn speed(&self) -> String {
        crate::format::speed(self.sent, self.now_ms - self.started_ms)
    }

    pub fn is_active(&self) -> bool {
        matches!(self.status, Status::Queued | Status::Sending)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Uploads {
    pub entries: Vec<Entry>,
    next_id: u64,
}

pub enum Action {
    /// New files picked or dropped: (name, size) each; ids are handed out in
    /// order from [`Uploads::next_ids`].
    Add(Vec<(String, u64)>),
    Started {
        id: u64,
        at_ms: f64,
    },
    Progress {
        id: u64,
        sent: u64,
        at_ms: f64,
    },
    Done {
        id: u64,
    },
    Failed {
        id: u64,
        message: String,
        name_taken: bool,
    },
    Cancelled {
        id: u64,
    },
    /// Sending again (after "Replace").
    Retry {
        id: u64,
    },
    /// Clears finished entries from the list.
    ClearFinished,
}

impl Uploads {
    /// The ids the next `Add` of `count` files will use.
    pub fn next_ids(&self, count: usize) -> Vec<u64> {
        (self.next_id..).take(count).collect()
    }

    pub fn active(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| entry.is_active())
            .count()
    }

    fn update(&mut self, id: u64, change: impl FnOnce(&mut Entry)) {
        if let Some(entry) = self.entries.iter_mut().find(|entry| entry.id == id) {
            change(entry);
        }
    }

    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Add(files) => {
                for (name, size) in files {
                    self.entries.push(Entry {
                        id: self.next_id,
                        name,
                        size,
                        sent: 0,
                        started_ms: 0.0,
                        now_ms: 0.0,
                        status: Status::Queued,
                    });
                    self.next_id += 1;
                }
            }
            Action::Started { id, at_ms } => self.update(id, |entry| {
                entry.status = Status::Sending;
                entry.sent = 0;
                entry.started_ms = at_ms;
                entry.now_ms = at_ms;
            }),
            Action::Progress { id, sent, at_ms } => self.update(id, |entry| {
                // Late events after the end change nothing.
                if entry.status == Status::Sending {
                    entry.sent = sent.min(entry.size);
                    entry.now_ms = at_ms;
                }
            }),
            Action::Done { id } => self.update(id, |entry| {
                entry.sent = entry.size;
                entry.status = Status::Done;
            }),
            Action::Failed {
                id,
                message,
                name_taken,
            } => self.update(id, |entry| {
                entry.status = Status::Failed {
                    message,
                    name_taken,
                }
            }),
            Action::Cancelled { id } => self.update(id, |entry| entry.status = Status::Cancelled),
            Action::Retry { id } => self.update(id, |entry| {
                entry.status = Status::Queued;
                entry.sent = 0;
            }),
            Action::ClearFinished => self.entries.retain(Entry::is_active),
        }
    }
}

impl Reducible for Uploads {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Uploads {
        let mut uploads = Uploads::default();
        assert_eq!(uploads.next_ids(2), [0, 1]);
        uploads.apply(Action::Add(vec![
            (String::from("a.txt"), 1024),
            (String::from("b.txt"), 0),
        ]));
        uploads
    }

    #[test]
    fn progress_speed_and_completion() {
        let mut uploads = two();
        assert_eq!(uploads.active(), 2);
        uploads.apply(Action::Started {
            id: 0,
            at_ms: 1000.0,
        });
        uploads.apply(Action::Progress {
            id: 0,
            sent: 512,
            at_ms: 1500.0,
        });
        let entry = &uploads.entries[0];
        assert_eq!(entry.percent(), 50);
        assert_eq!(entry.speed(), "1.0 KiB/s");
        uploads.apply(Action::Done { id: 0 });
        assert_eq!(uploads.entries[0].percent(), 100);
        // A progress event that arrives after the end changes nothing.
        uploads.apply(Action::Progress {
            id: 0,
            sent: 10,
            at_ms: 2000.0,
        });
        assert_eq!(uploads.entries[0].sent, 1024);
        assert_eq!(uploads.active(), 1);
        // An empty file is complete at once.
        assert_eq!(uploads.entries[1].percent(), 100);
    }

    #[test]
    fn failures_retries_and_clearing() {
        let mut uploads = two();
        uploads.apply(Action::Started { id: 1, at_ms: 0.0 });
        uploads.apply(Action::Failed {
            id: 1,
            message: String::from("taken"),
            name_taken: true,
        });
        uploads.apply(Action::Cancelled { id: 0 });
        assert_eq!(uploads.active(), 0);
        uploads.apply(Action::Retry { id: 1 });
        assert_eq!(uploads.entries[1].status, Status::Queued);
        uploads.apply(Action::ClearFinished);
        assert_eq!(uploads.entries.len(), 1);
        assert_eq!(uploads.entries[0].name, "b.txt");
        // Ids are never reused after clearing.
        assert_eq!(uploads.next_ids(1), [2]);
        // Actions for unknown ids are ignored.
        uploads.apply(Action::Done { id: 99 });
        assert_eq!(uploads.entries.len(), 1);
    }
}
