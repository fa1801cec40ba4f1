{{/* The name of every object of the webhook (one per garden); the runtime chart's Service too. */}}
{{- define "admission.name" -}}
gardener-extension-shoot-flux-admission
{{- end -}}

{{/* Selector labels: stable for the life of the release. */}}
{{- define "admission.selectorLabels" -}}
app.kubernetes.io/name: {{ include "admission.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "admission.labels" -}}
{{ include "admission.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}
