// Django adds "Note: You are N hours ahead of server time" under every date and time field
// of a staff member whose browser is in another zone than the program's. The admin's
// header names the program's zone instead (templates/admin/base_site.html), once: every
// instant the admin shows is in it and labelled, and a deadline's own time is read in the
// deadline's zone, which its form names. The "Today" and "Now" shortcuts still follow the
// program's clock (Django's data-admin-utc-offset, left as it is).
(function () {
  "use strict";
  if (window.DateTimeShortcuts) {
    window.DateTimeShortcuts.addTimezoneWarning = function () {};
  }
})();
