{#- Network partners of cases, one-to-one with raw.zaakbetrokkenen (current version per key). -#}
with

source as (
    select * from {{ source('raw', 'zaakbetrokkenen') }}
),

renamed as (
    select
        -- ids
        cast(zaak_id as {{ dbt.type_string() }}) as zaak_id,
        -- codes
        partner,
        -- dates
        betrokken_vanaf,

        -- lineage
        {{ raw_event_columns() }}
    from source
)

select * from renamed
