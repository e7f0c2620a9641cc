/// What a node of the compiled schema accepts. Shared by build.rs (which writes the tables) and
/// src/config/schema.rs (which walks them), so the two cannot disagree on the set.
#[allow(dead_code)] // which kinds the tables use depends on the schema of the day
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Object,
    Array,
    String,
    Integer,
    Boolean,
    Number,
    IntOrString,
    Quantity,
    Any,
}
