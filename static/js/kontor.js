/*
 * Behaviours the pages ask for with data attributes, in place of inline event
 * handlers (onclick=..., onsubmit=...), which the Content-Security-Policy
 * forbids. Plain JavaScript: loaded by the storefront and the back office.
 *
 *   <form data-confirm="Cancel this order?">  asks before submitting
 *   <a href="#" data-behaviours="print">       prints the page
 *   <a href="#" data-behaviours="history-back"> goes back one page
 */
(function () {
    "use strict";

    document.addEventListener("submit", function (event) {
        var form = event.target;
        if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) {
            return;
        }
        if (!window.confirm(form.getAttribute("data-confirm"))) {
            event.preventDefault();
            event.stopImmediatePropagation();
        }
    }, true);

    document.addEventListener("click", function (event) {
        var target = event.target instanceof Element ? event.target.closest("[data-behaviours]") : null;
        if (!target) {
            return;
        }
        var behaviours = (target.getAttribute("data-behaviours") || "").split(/\s+/);
        if (behaviours.indexOf("print") !== -1) {
            event.preventDefault();
            window.print();
        } else if (behaviours.indexOf("history-back") !== -1) {
            event.preventDefault();
            window.history.back();
        }
    });
}());
