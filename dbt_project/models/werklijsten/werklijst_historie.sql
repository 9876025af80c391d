{#- Every run's werklijsten, per extractdatum: the memory werklijst_effect uses to see what became of
    last month's rows. Incremental delete+insert on extractdatum, so re-running a day replaces that
    day only; a full refresh forgets the history. -#}
{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='extractdatum') }}

with

werklijst as (
    select * from {{ ref('werklijst') }}
),

final as (
    select
        extractdatum,
        signaal_id,
        signaal_sleutel,
        proces,
        indicator,
        segment,
        ernst,
        object_soort,
        object_id,
        wijk,
        actie_code,
        prioriteit
    from werklijst
)

select * from final
