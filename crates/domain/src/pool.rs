//! The substitute pool's states and reasons, with the stable names they are stored under.

macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

named_enum!(
    /// Where an order for a substitute stands.
    OrderState {
        /// Made, nobody asked yet.
        Open = "open",
        /// Offers are out.
        Offering = "offering",
        Booked = "booked",
        /// The orderer stopped the offers; nobody was booked.
        Stopped = "stopped",
        /// The shift started with nobody booked.
        Expired = "expired",
        Cancelled = "cancelled",
    }
);

impl OrderState {
    /// Whether a booking may still be made.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Open | Self::Offering)
    }
}

named_enum!(
    /// Why a shift needs a substitute.
    OrderReason {
        Sick = "sick",
        Leave = "leave",
        Vacancy = "vacancy",
        Extra = "extra",
        Other = "other",
    }
);

named_enum!(
    /// One offer to one person.
    OfferState {
        /// Sent, not answered, order still offering.
        Open = "open",
        /// Answered JA and booked.
        Accepted = "accepted",
        Declined = "declined",
        /// Answered JA after someone else was booked.
        Filled = "filled",
        /// The order was booked, stopped or expired before an answer.
        Closed = "closed",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in OrderState::ALL {
            assert_eq!(OrderState::parse(s.as_str()), Some(*s));
        }
        for s in OrderReason::ALL {
            assert_eq!(OrderReason::parse(s.as_str()), Some(*s));
        }
        for s in OfferState::ALL {
            assert_eq!(OfferState::parse(s.as_str()), Some(*s));
        }
        assert_eq!(OrderState::parse("nope"), None);
    }
}
