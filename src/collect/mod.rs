//! The collection side: the roster of units (units.csv), fill-in workbooks for each unit
//! (templates that `import` recognises strictly), and who has returned what (status).

pub mod roster;
pub mod status;
pub mod template;
