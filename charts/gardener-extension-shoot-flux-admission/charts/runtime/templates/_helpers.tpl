{{/* The name of every object of the webhook (one per garden). */}}
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

{{/* The container image reference. */}}
{{- define "admission.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The Secret holding tls.crt and tls.key: an existing one, or the one this chart writes. */}}
{{- define "admission.tlsSecretName" -}}
{{- if .Values.webhookConfig.tls.secretName -}}
{{ .Values.webhookConfig.tls.secretName }}
{{- else -}}
{{ include "admission.name" . }}-tls
{{- end -}}
{{- end -}}
