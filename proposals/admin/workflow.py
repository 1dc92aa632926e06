"""The proposal workflow on a proposal's own admin page: a button for each legal next step,
each a POST through the same service, and with the same permission, as its list action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect

from fairprog.errors import DomainError
from proposals.models import Proposal
from proposals.services.proposals import (
    PROPOSAL_TRANSITIONS,
    proposal_decline,
    proposal_recommend,
    proposal_start_review,
    proposal_submit,
    proposal_withdraw,
)

Status = Proposal.Status

# The name of the POST field that carries the step; the change form's own fields never use it.
WORKFLOW_FIELD = "_workflow"


@dataclass(frozen=True)
class Step:
    label: str
    target: str
    done: str
    # None for awarding, which asks for the award number first (the "award" action's form).
    service: Callable[..., Proposal] | None
    permission: str = "change"


# In the order the buttons show: forward first, then the ways out.
STEPS: dict[str, Step] = {
    "submit": Step("Submit", Status.SUBMITTED, "submitted", proposal_submit),
    "start_review": Step(
        "Start review", Status.UNDER_REVIEW, "put under review", proposal_start_review
    ),
    "recommend": Step("Recommend for award", Status.RECOMMENDED, "recommended", proposal_recommend),
    "award": Step("Award…", Status.AWARDED, "awarded", None, permission="award"),
    "decline": Step("Decline", Status.DECLINED, "declined", proposal_decline),
    "withdraw": Step("Withdraw", Status.WITHDRAWN, "withdrawn", proposal_withdraw),
}


class ProposalWorkflowAdminMixin:
    """For ProposalAdmin: the buttons on the change page, which post ``_workflow=<step>`` to
    the change page itself (as Django's own "_continue" does), and the handling of that POST."""

    def _may(self, request: HttpRequest, step: Step) -> bool:
        return bool(getattr(self, f"has_{step.permission}_permission")(request))

    def workflow_steps(self, request: HttpRequest, proposal: Proposal) -> list[dict[str, str]]:
        """The next steps the workflow allows from the proposal's status and the user may
        take."""
        legal = PROPOSAL_TRANSITIONS[proposal.status]
        return [
            {"name": name, "label": step.label}
            for name, step in STEPS.items()
            if step.target in legal and self._may(request, step)
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Proposal | None = None,
    ) -> HttpResponse:
        if change and obj is not None and obj.pk:
            context["workflow_steps"] = self.workflow_steps(request, obj)
        response: HttpResponse = super().render_change_form(  # type: ignore[misc]
            request, context, add, change, form_url, obj
        )
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and WORKFLOW_FIELD in request.POST:
            return self.workflow_step(request, object_id, request.POST[WORKFLOW_FIELD])
        response: HttpResponse = super().change_view(  # type: ignore[misc]
            request, object_id, form_url, extra_context
        )
        return response

    def workflow_step(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        move = STEPS.get(step)
        if move is None:
            return HttpResponseBadRequest(
                f"Unknown workflow step {step!r}; the steps are {', '.join(STEPS)}."
            )
        # Permission first: a refused user learns nothing about which proposals exist.
        if not self._may(request, move):
            raise PermissionDenied
        proposal = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if proposal is None:
            raise Http404("No such proposal.")
        if move.service is None:
            # The award action's own form: shown first, then posted back here to award.
            form_page: HttpResponse | None = self.award(  # type: ignore[attr-defined]
                request, Proposal.objects.filter(pk=proposal.pk)
            )
            if form_page is not None:
                return form_page
        else:
            try:
                move.service(proposal=proposal)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)  # type: ignore[attr-defined]
            else:
                self.message_user(  # type: ignore[attr-defined]
                    request, f'Proposal "{proposal.title}" {move.done}.', messages.SUCCESS
                )
        return redirect("admin:proposals_proposal_change", proposal.pk)
