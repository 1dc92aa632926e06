"""The pages that span both apps: the staff dashboard (the admin index) and the public
"program in numbers" page. Unlike the rest of ``fairprog``, they read the apps' models;
the kernel never imports them.

- ``charts``: what a chart is (series, table, drawing spec, CSV); no database.
- ``queries``: the dashboard's filters, its headline figures and awards by cycle year.
- ``staff_charts``: the dashboard's charts, one aggregate query each, with their permissions.
- ``public_charts``: the charts of /numbers/, from public data only.
- ``dashboard``: the dashboard page: figures and charts by permission, chart CSVs.
- ``numbers``: the /numbers/ view and its CSVs.
"""
