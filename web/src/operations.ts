// Every GraphQL operation the app sends. GraphQL Code Generator types them (src/gql/) and lists them as the
// persisted documents the gateway accepts.
import { graphql } from './gql';


export const VerifyCode = graphql(`
  query VerifyCode($code: String!) {
    verifyCode(code: $code) {
      __typename
      ... on ScanOutcome { negativeList { code text } }
      ... on CodeValid {
        item { id codeNumber title officeName windowStart windowEnd basis content inspectors { name title } }
        standing { scope level period used allowed applies full }
      }
      ... on CapReached {
        item { id codeNumber title officeName windowStart windowEnd basis content inspectors { name title } }
        standing { scope level period used allowed applies full }
        exhausted { scope level period used allowed applies full }
      }
      ... on CodeRevoked { item { id codeNumber title officeName } reason }
      ... on CodeExpired { item { id codeNumber title officeName } expiredAt }
      ... on CodeNotYetValid { item { id codeNumber title officeName } validFrom }
      ... on OutOfScope { item { id codeNumber title officeName } reason }
      ... on CodeForged { reason }
      ... on Unavailable { reason }
      ... on NotAllowed { reason }
    }
  }
`);

export const CheckIn = graphql(`
  mutation CheckIn($code: String!, $requestId: String!) {
    checkIn(code: $code, requestId: $requestId) {
      __typename
      ... on Visit { id itemId inspectedAt }
      ... on CapReached { exhausted { scope level period used allowed } }
      ... on CodeForged { reason }
      ... on CodeRevoked { reason }
      ... on OutOfScope { reason }
      ... on Unavailable { reason }
      ... on NotAllowed { reason }
      ... on InvalidInput { field reason }
    }
  }
`);

export const RefuseInspection = graphql(`
  mutation RefuseInspection($reason: RefusalReason!, $code: String, $entry: String, $note: String!, $requestId: String!) {
    refuseInspection(reason: $reason, code: $code, negativeListEntry: $entry, note: $note, requestId: $requestId) {
      __typename
      ... on Refusal { id refusedFor: reason verdict }
      ... on NotAllowed { reason }
      ... on InvalidInput { field reason }
    }
  }
`);

export const FileComplaint = graphql(`
  mutation FileComplaint($input: ComplaintInput!, $requestId: String!) {
    fileComplaint(input: $input, requestId: $requestId) {
      __typename
      ... on Complaint { id routedToLevel }
      ... on NotAllowed { reason }
      ... on InvalidInput { field reason }
    }
  }
`);

export const RateVisit = graphql(`
  mutation RateVisit($visitId: ID!, $score: Int!, $requestId: String!) {
    rateVisit(visitId: $visitId, score: $score, requestId: $requestId) {
      __typename
      ... on NotAllowed { reason }
      ... on InvalidInput { field reason }
      ... on Conflict { reason }
    }
  }
`);

export const Tasks = graphql(`
  query Tasks($region: String, $status: TaskStatus, $overdue: Boolean!, $first: Int!, $after: String) {
    tasks(region: $region, status: $status, overdue: $overdue, first: $first, after: $after) {
      nextCursor
      tasks {
        id itemId officeId responsibleUnitId unitRegion severity description deadline status overdue
        escalationLevel submissionNote sentBackReason timesSentBack
        extension { status until reason decisionNote }
      }
    }
  }
`);

export const StartTask = graphql(`
  mutation StartTask($id: ID!, $requestId: String!) {
    startTask(id: $id, requestId: $requestId) { __typename ... on Task { id status } ... on NotAllowed { reason } ... on Conflict { reason } }
  }
`);

export const SubmitTask = graphql(`
  mutation SubmitTask($id: ID!, $note: String!, $requestId: String!) {
    submitTask(id: $id, note: $note, requestId: $requestId) {
      __typename ... on Task { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const VerifyTask = graphql(`
  mutation VerifyTask($id: ID!, $note: String!, $requestId: String!) {
    verifyTask(id: $id, note: $note, requestId: $requestId) { __typename ... on Task { id status } ... on NotAllowed { reason } ... on Conflict { reason } }
  }
`);

export const SendBackTask = graphql(`
  mutation SendBackTask($id: ID!, $reason: String!, $requestId: String!) {
    sendBackTask(id: $id, reason: $reason, requestId: $requestId) {
      __typename ... on Task { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const RequestDeadlineExtension = graphql(`
  mutation RequestDeadlineExtension($id: ID!, $until: Date!, $reason: String!, $requestId: String!) {
    requestDeadlineExtension(id: $id, until: $until, reason: $reason, requestId: $requestId) {
      __typename ... on Task { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const DecideDeadlineExtension = graphql(`
  mutation DecideDeadlineExtension($id: ID!, $approve: Boolean!, $note: String!, $requestId: String!) {
    decideDeadlineExtension(id: $id, approve: $approve, note: $note, requestId: $requestId) {
      __typename ... on Task { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const Plans = graphql(`
  query Plans($officeId: ID, $year: Int, $first: Int!, $after: ID) {
    plans(officeId: $officeId, year: $year, first: $first, after: $after) {
      id officeId year status returnReason itemCount
      office { id name approverOfficeId }
      steps { action actor officeId reason at }
      items { id title status kind windowStart windowEnd codeNumber }
    }
  }
`);

export const DraftPlan = graphql(`
  mutation DraftPlan($year: Int!) {
    draftPlan(year: $year) {
      __typename ... on Plan { id } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const AddItem = graphql(`
  mutation AddItem($planId: ID!, $item: ItemInput!, $requestId: String) {
    addItem(planId: $planId, item: $item, requestId: $requestId) {
      __typename ... on Item { id } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const SubmitPlan = graphql(`
  mutation SubmitPlan($planId: ID!) {
    submitPlan(planId: $planId) {
      __typename ... on Plan { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason } ... on CeilingExceeded { reason }
    }
  }
`);

export const ApprovePlan = graphql(`
  mutation ApprovePlan($planId: ID!) {
    approvePlan(planId: $planId) {
      __typename ... on Plan { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason } ... on CeilingExceeded { reason }
    }
  }
`);

export const ReturnPlan = graphql(`
  mutation ReturnPlan($planId: ID!, $reason: String!) {
    returnPlan(planId: $planId, reason: $reason) {
      __typename ... on Plan { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const Filings = graphql(`
  query Filings($first: Int!, $after: ID) {
    filings(first: $first, after: $after) { id officeId year reason status decisionReason office { id name approverOfficeId } item { id title } }
  }
`);

export const ApproveFiling = graphql(`
  mutation ApproveFiling($id: ID!, $requestId: String!) {
    approveFiling(filingId: $id, requestId: $requestId) {
      __typename ... on Filing { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason } ... on CeilingExceeded { reason }
    }
  }
`);

export const RejectFiling = graphql(`
  mutation RejectFiling($id: ID!, $reason: String!, $requestId: String!) {
    rejectFiling(filingId: $id, reason: $reason, requestId: $requestId) {
      __typename ... on Filing { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const Items = graphql(`
  query Items($officeId: ID, $year: Int, $first: Int!, $after: ID) {
    items(officeId: $officeId, year: $year, first: $first, after: $after) {
      id title status kind windowStart windowEnd codeNumber officeId office { name }
    }
  }
`);

export const CodeItem = graphql(`
  mutation CodeItem($itemId: ID!) {
    codeItem(itemId: $itemId) { __typename ... on ItemCode { number } ... on NotAllowed { reason } ... on Conflict { reason } }
  }
`);

export const CodeSheet = graphql(`
  query CodeSheet($id: ID!) {
    item(id: $id) {
      id title windowStart windowEnd basis content inspectors { name title }
      office { name }
      code { number scanUrl qrSvg(scale: 6) revokedAt }
    }
  }
`);

export const ItemVisits = graphql(`
  query ItemVisits($itemId: ID!, $first: Int!, $after: ID) {
    visits(itemId: $itemId, first: $first, after: $after) {
      id officeId unitId unitRegion codeNumber inspectedAt status findings { id severity description proposedDeadline }
    }
  }
`);

export const RecordFinding = graphql(`
  mutation RecordFinding($input: FindingInput!, $requestId: String!) {
    recordFinding(input: $input, requestId: $requestId) {
      __typename ... on Finding { id } ... on NotAllowed { reason } ... on InvalidInput { field reason }
    }
  }
`);

export const Complaints = graphql(`
  query Complaints($first: Int!, $after: ID) {
    complaints(first: $first, after: $after) {
      id unitId kind officeId itemId negativeListEntry place description routedToLevel routedToRegion routedToOfficeId filedAt
      status findings reply
    }
  }
`);

export const InvestigateComplaint = graphql(`
  mutation InvestigateComplaint($id: ID!, $requestId: String!) {
    investigateComplaint(complaintId: $id, requestId: $requestId) {
      __typename ... on Complaint { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const ConcludeComplaint = graphql(`
  mutation ConcludeComplaint($id: ID!, $substantiated: Boolean!, $findings: String!, $requestId: String!) {
    concludeComplaint(complaintId: $id, substantiated: $substantiated, findings: $findings, requestId: $requestId) {
      __typename ... on Complaint { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

export const CloseComplaint = graphql(`
  mutation CloseComplaint($id: ID!, $reply: String!, $requestId: String!) {
    closeComplaint(complaintId: $id, reply: $reply, requestId: $requestId) {
      __typename ... on Complaint { id status } ... on NotAllowed { reason } ... on InvalidInput { field reason } ... on Conflict { reason }
    }
  }
`);

// The query and the subscription select the same figures, so a pushed update replaces the read one whole.
export const FiguresFields = graphql(`
  fragment FiguresFields on Figures {
    scope year visits visitsLastYear changeFromLastYear changePercentFromLastYear
    wholeYear {
      items { planned { value lastYear } filed { value lastYear } coded { value lastYear } completed { value lastYear } }
      visits { counted { value lastYear } exempt { value } emergency { value } late { value } }
      refusals { total { value lastYear } parts { key value lastYear } }
      findings { total { value lastYear } }
      rectification {
        opened { value } stillOpen { value } overdue { value } closedOnTime { value lastYear } closedLate { value lastYear }
        meanDaysToClose { value lastYear }
      }
      complaints { total { value lastYear } parts { key value } }
      caps { unitsAtCap { value lastYear } unitsNearCap { value lastYear } }
    }
    months { period visits { counted { value lastYear } } rectification { closedOnTime { value } closedLate { value } } }
  }
`);

export const RegionFigures = graphql(`
  query RegionFigures($region: String!, $year: Int!) {
    region(code: $region) { code name level parentCode }
    regionFigures(region: $region, year: $year) { ...FiguresFields }
  }
`);

export const Regions = graphql(`
  query Regions($parent: String!, $first: Int!, $after: String) {
    regions(parent: $parent, first: $first, after: $after) { code name level }
  }
`);

export const LiveRegionFigures = graphql(`
  subscription LiveRegionFigures($region: String!, $year: Int!) {
    regionFigures(region: $region, year: $year) { ...FiguresFields }
  }
`);

export const ItemTimeline = graphql(`
  query ItemTimeline($id: ID!) {
    item(id: $id) { id title codeNumber timeline { at step what officeId unitId } }
  }
`);
