/*
 * Product page: highlight the quantity break that applies to the quantity in
 * the add-to-basket form. The table (#quantity_breaks) names its quantity
 * input in data-quantity-input; each row carries data-min-quantity. The row
 * with the largest minimum not above the quantity gets "table-success applies"
 * and aria-current. Display only: the basket prices the line on the server.
 */
(function () {
    "use strict";

    function highlight(table, input) {
        var quantity = parseInt(input.value, 10);
        if (!(quantity >= 1)) {
            quantity = 1;
        }
        var rows = table.querySelectorAll("tbody tr[data-min-quantity]");
        var chosen = null;
        rows.forEach(function (row) {
            if (parseInt(row.getAttribute("data-min-quantity"), 10) <= quantity) {
                chosen = row;
            }
        });
        rows.forEach(function (row) {
            var applies = row === chosen;
            row.classList.toggle("table-success", applies);
            row.classList.toggle("applies", applies);
            if (applies) {
                row.setAttribute("aria-current", "true");
            } else {
                row.removeAttribute("aria-current");
            }
        });
    }

    function init() {
        document.querySelectorAll("table[data-quantity-input]").forEach(function (table) {
            var input = document.getElementById(table.getAttribute("data-quantity-input"));
            if (!input) {
                return;
            }
            var update = function () { highlight(table, input); };
            input.addEventListener("input", update);
            input.addEventListener("change", update);
            update();
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
}());
