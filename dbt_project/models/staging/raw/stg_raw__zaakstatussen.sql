{#- Status history of cases, one-to-one with raw.zaakstatussen (current version per key). -#}
with

source as (
    select * from {{ source('raw', 'zaakstatussen') }}
),

renamed as (
    select
        -- ids
        cast(zaak_id as {{ dbt.type_string() }}) as zaak_id,
        -- codes
        soort as zaakstatus_soort,
        -- dates
        begindatum,
        einddatum,

        -- lineage
        {{ raw_event_columns() }}
    from source
)

select * from renamed
