//! The `sflow_rt` module: triggers from an external sFlow-RT (REST API on 8008).
