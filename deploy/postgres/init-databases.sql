-- One database per service on the shared server (each service also creates its own if missing).
CREATE DATABASE suite_identity;
CREATE DATABASE suite_customers;
CREATE DATABASE suite_rules_engine;
CREATE DATABASE suite_catalog;
CREATE DATABASE suite_orders;
CREATE DATABASE suite_loyalty;
CREATE DATABASE suite_portal;
