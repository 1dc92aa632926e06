"""Date formats of FairProg's pages and admin (FORMAT_MODULE_PATH): one style everywhere."""
