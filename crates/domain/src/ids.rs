//! Typed ids, so a person id can never be passed where a unit id is expected.

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(raw: i64) -> Self {
                Self(raw)
            }

            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

id_type!(
    /// One data controller: a municipality or one of its boards.
    TenantId,
    UnitId,
    PersonId,
    CompetenceId,
    ShiftTypeId,
    ShiftId,
    DemandId,
    SchedulePeriodId,
    WishId,
    AvailabilityId,
    /// A per-record data key in the vault's hierarchy.
    DataKeyId,
    /// An order for a substitute on a vacant shift.
    OrderId,
    OfferId,
    BookingId,
    SmsId,
);
